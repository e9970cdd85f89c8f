module github.com/omskit/oms

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/oklog/ulid/v2 v2.1.2
	github.com/shopspring/decimal v1.6.0
	golang.org/x/sync v0.19.0
	golang.org/x/text v0.34.0
)

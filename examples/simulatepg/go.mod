module github.com/omskit/oms/examples/simulatepg

go 1.25.0

require (
	github.com/jackc/pgx/v5 v5.12.0
	github.com/omskit/oms v0.0.0-00010101000000-000000000000
	github.com/omskit/oms/examples/pgstore v0.0.0-00010101000000-000000000000
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/oklog/ulid/v2 v2.1.2 // indirect
	github.com/shopspring/decimal v1.6.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/omskit/oms => ../..
	github.com/omskit/oms/examples/pgstore => ../pgstore
)

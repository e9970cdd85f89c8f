// Command quickstart is the smallest tour of oms: exact money, split so the
// parts sum to the whole. It needs no setup: go run ./examples/quickstart.
package main

import (
	"fmt"
	"os"

	"github.com/omskit/oms"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	total, err := oms.ParseMoney("100.00 USD")
	if err != nil {
		return err
	}
	parts, err := total.Split(3)
	if err != nil {
		return err
	}
	fmt.Println("100.00 USD split three ways:", parts)
	return nil
}

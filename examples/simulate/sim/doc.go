// Package sim is the shop simulation behind the simulate commands: forty
// SKUs with skewed demand, three warehouses that restock from suppliers,
// two carriers that are slow and fail now and then, customers who return
// goods. Every order goes through the whole flow on concurrent workers:
//
//	place ─► confirm ─► process (allocate, pick, pack, rate-shop, label, ship)
//	                        │
//	                        ▼
//	        track (scans) ─► relay (notify, fulfillment follows the parcels)
//	                        │
//	                        ▼
//	           delivered ─► return ─► refund
//
// Simulated time runs on a manual clock and every random choice comes from
// Config.Seed. Run prints a summary (with the units oversold, which must be
// none, and whether the stock ledger reconciles) and can write a
// self-contained HTML report with inline SVG charts.
//
// The shop runs on the memory stores unless Config.Stores names others: the
// command in examples/simulatepg runs it on the PostgreSQL adapter.
package sim

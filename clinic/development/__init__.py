"""Development only: `make run` (the whole system on one machine) and the demo account."""

"""The analyst's questions over Monte Carlo runs: comparisons of scenarios and their variants."""

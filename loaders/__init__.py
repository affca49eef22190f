"""Reading and validating bank extracts against the data contract, and the synthetic bank."""

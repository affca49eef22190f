"""Graph algorithms: pure functions on pandas frames and scipy sparse matrices. No store imports."""

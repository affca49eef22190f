"""Self-contained pyvis HTML views."""

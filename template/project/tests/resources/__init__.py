"""Each resource's contract tests (rendered with the resource), and how tests make its rows."""

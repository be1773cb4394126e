"""Tags: values derived from a document's clean text and written into its metadata."""

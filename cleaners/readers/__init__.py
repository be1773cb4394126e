"""One module per input format, each turning text into Documents (or Rejections)."""

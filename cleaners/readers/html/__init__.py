"""HTML helpers the readers share: HTML to paragraphs, page metadata, trailing related-stories sections."""

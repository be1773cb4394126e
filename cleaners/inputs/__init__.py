"""Bytes to text, before any format: reading a raw file safely, gzip and encodings, format sniffing, tolerant JSON, and the refusals every format shares."""

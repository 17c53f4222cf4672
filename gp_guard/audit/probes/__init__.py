"""Live probes of this machine's services (loopback) and of the internet box (UPnP), each bounded by a timeout."""

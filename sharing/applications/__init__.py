"""Applications: someone who scanned a device QR code asks its owner for a share; and the random
deep-link tokens that device and account QR codes carry."""

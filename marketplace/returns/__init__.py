"""Returns and complaints per vendor order: opened by the buyer, answered by the vendor, decided by staff."""

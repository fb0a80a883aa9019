"""Kết quả công khai: the published results of each unit, for anyone (NĐ 61/2018 Điều 32)."""

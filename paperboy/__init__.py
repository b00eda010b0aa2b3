"""paperboy: a self-hosted daily papers site (Django)."""

import os

# NumPy's OpenBLAS starts one thread per core for every matrix product, even the small ones of a search
# request (about 100 x 384): on the 2 shared cores a 1 ms product then took 10-25 ms whenever the machine
# was busy (measured: 180x384 @ 384x180 in 23 ms with the default, 1 ms with one thread). One thread per
# process unless OPENBLAS_NUM_THREADS says otherwise; it only takes effect before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#!/usr/bin/env python3
"""Recomputes every entry of rfc6962_merkle.json from the RFC 6962 §2.1 definitions
(MTH, PATH, PROOF/SUBPROOF), independently of the C++ code. Usage: check_vectors.py [file]."""
import sys
import json,hashlib
d=json.load(open(sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit('/', 1)[0] + '/rfc6962_merkle.json'))
L=[bytes.fromhex(x) for x in d['leaves_hex']]
H=lambda b: hashlib.sha256(b).digest()
def mth(D):
    n=len(D)
    if n==0: return H(b'')
    if n==1: return H(b'\0'+D[0])
    k=1
    while k*2<n: k*=2
    return H(b'\1'+mth(D[:k])+mth(D[k:]))
def path(m,D):
    n=len(D)
    if n==1: return []
    k=1
    while k*2<n: k*=2
    if m<k: return path(m,D[:k])+[mth(D[k:])]
    return path(m-k,D[k:])+[mth(D[:k])]
def sub(m,D,b):
    n=len(D)
    if m==n: return [] if b else [mth(D)]
    k=1
    while k*2<n: k*=2
    if m<=k: return sub(m,D[:k],b)+[mth(D[k:])]
    return sub(m-k,D[k:],False)+[mth(D[:k])]
bad=0
for r in d['roots']:
    if mth(L[:r['tree_size']]).hex()!=r['root']: print('root',r); bad+=1
for c in d['inclusion']:
    if [x.hex() for x in path(c['leaf_index'],L[:c['tree_size']])]!=c['path']: print('inc',c); bad+=1
for c in d['consistency']:
    if [x.hex() for x in sub(c['first'],L[:c['second']],True)]!=c['proof']: print('cons',c); bad+=1
print('bad',bad,len(d['roots']),len(d['inclusion']),len(d['consistency']))
sys.exit(1 if bad else 0)

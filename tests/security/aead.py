"""ChaCha20-Poly1305 (RFC 8439) in plain Python, written from the RFC for the cache tests: the
seal gilcheck puts on a cache entry is a random 12-byte nonce and the tag of the entry as
associated data of an empty message.  A test that forges an entry with another user's key
computes it here, independently of the library gilcheck calls.  Slow; for a few kilobytes."""
import struct

MASK = 0xffffffff


def _rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK
    s[b] = _rotl(s[b] ^ s[c], 7)


def chacha20_block(key, counter, nonce):
    """RFC 8439 2.3: 64 bytes of key stream."""
    state = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    state += list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce))
    s = list(state)
    for _ in range(10):
        _quarter(s, 0, 4, 8, 12)
        _quarter(s, 1, 5, 9, 13)
        _quarter(s, 2, 6, 10, 14)
        _quarter(s, 3, 7, 11, 15)
        _quarter(s, 0, 5, 10, 15)
        _quarter(s, 1, 6, 11, 12)
        _quarter(s, 2, 7, 8, 13)
        _quarter(s, 3, 4, 9, 14)
    return struct.pack("<16I", *[(x + y) & MASK for x, y in zip(s, state)])


def poly1305(key, msg):
    """RFC 8439 2.5: the 16-byte tag of msg under the one-time key."""
    r = int.from_bytes(key[:16], "little") & 0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(msg), 16):
        block = msg[i:i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def tag(key, nonce, aad, ciphertext=b""):
    """RFC 8439 2.8: the AEAD tag of (aad, ciphertext)."""
    otk = chacha20_block(key, 0, nonce)[:32]

    def pad(b):
        return b + b"\0" * (-len(b) % 16)
    mac_data = pad(aad) + pad(ciphertext) + struct.pack("<QQ", len(aad), len(ciphertext))
    return poly1305(otk, mac_data)


def seal(key, data, nonce=b"\x07" * 12):
    """What gilcheck appends to a cache entry: the nonce, then the tag of the entry."""
    return nonce + tag(key, nonce, data)

// SHA-256 and MD5 as hex strings of a JavaScript string's UTF-8 bytes.
//
// Libravatar URLs are the hash of an OpenID (SHA-256) or of an e-mail (MD5).
// Neither goja nor the browser offers a synchronous digest (WebCrypto is
// async), so both are written out here once. The round constants are built at
// load time and the work arrays are reused: meta() runs on every bus message.

function utf8(str) {
  const out = [];
  for (let i = 0; i < str.length; i++) {
    let c = str.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
    } else if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < str.length) {
      const lo = str.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        continue;
      }
      out.push(0xef, 0xbf, 0xbd);
    } else if (c >= 0xd800 && c < 0xe000) {
      out.push(0xef, 0xbf, 0xbd);
    } else {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return out;
}

const HEX = "0123456789abcdef";

function hex32le(w) {
  let s = "";
  for (let i = 0; i < 32; i += 8) s += HEX[(w >>> (i + 4)) & 15] + HEX[(w >>> i) & 15];
  return s;
}

const K256 = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const W = new Array(64);

// pad returns the message bytes padded to whole 64-byte blocks with the bit
// length appended little-endian (MD5's layout).
function pad(bytes) {
  const bitLen = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  const hi = Math.floor(bitLen / 0x100000000);
  const lo = bitLen >>> 0;
  bytes.push(lo & 255, (lo >>> 8) & 255, (lo >>> 16) & 255, (lo >>> 24) & 255);
  bytes.push(hi & 255, (hi >>> 8) & 255, (hi >>> 16) & 255, (hi >>> 24) & 255);
  return bytes;
}

// HEXB holds the two hex digits of every byte: 8 concatenations per word
// instead of 8 per nibble.
const HEXB = [];
for (let i = 0; i < 256; i++) HEXB.push((i < 16 ? "0" : "") + i.toString(16));

function hexWord(w) {
  return HEXB[(w >>> 24) & 255] + HEXB[(w >>> 16) & 255] + HEXB[(w >>> 8) & 255] + HEXB[w & 255];
}

// words packs a string's UTF-8 bytes big-endian into 32-bit words, padded
// to whole 64-byte blocks with the bit length at the end (SHA-256's layout).
// ASCII, what OpenID URLs are, skips the byte array.
function words(str) {
  let bytes = null;
  for (let i = 0; i < str.length; i++) {
    if (str.charCodeAt(i) >= 0x80) {
      bytes = utf8(str);
      break;
    }
  }
  const n = bytes === null ? str.length : bytes.length;
  const blocks = ((n + 8) >> 6) + 1;
  const out = new Array(blocks * 16).fill(0);
  for (let i = 0; i < n; i++) {
    const b = bytes === null ? str.charCodeAt(i) : bytes[i];
    out[i >> 2] |= b << (24 - (i & 3) * 8);
  }
  out[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
  out[blocks * 16 - 2] = Math.floor((n * 8) / 0x100000000);
  out[blocks * 16 - 1] = (n * 8) | 0;
  return out;
}

/** sha256Hex returns the lowercase hex SHA-256 of str encoded as UTF-8. */
export function sha256Hex(str) {
  const m = words(str);
  let h0 = 0x6a09e667, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372, h3 = 0xa54ff53a | 0;
  let h4 = 0x510e527f, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
  for (let off = 0; off < m.length; off += 16) {
    for (let t = 0; t < 16; t++) W[t] = m[off + t];
    for (let t = 16; t < 64; t++) {
      const x = W[t - 15], y = W[t - 2];
      W[t] = (W[t - 16] + ((x >>> 7 | x << 25) ^ (x >>> 18 | x << 14) ^ (x >>> 3)) + W[t - 7] +
        ((y >>> 17 | y << 15) ^ (y >>> 19 | y << 13) ^ (y >>> 10))) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t = 0; t < 64; t++) {
      // Ch and Maj in their three- and four-operation forms: every operation
      // counts in goja.
      const t1 = h + ((e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7)) + (g ^ (e & (f ^ g))) + K256[t] + W[t];
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a;
      a = (t1 + ((b >>> 2 | b << 30) ^ (b >>> 13 | b << 19) ^ (b >>> 22 | b << 10)) + ((b & c) | (d & (b | c)))) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  return hexWord(h0) + hexWord(h1) + hexWord(h2) + hexWord(h3) + hexWord(h4) + hexWord(h5) + hexWord(h6) + hexWord(h7);
}

const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = new Array(64);
for (let i = 0; i < 64; i++) MD5_K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;
const M = new Array(16);

/** md5Hex returns the lowercase hex MD5 of str encoded as UTF-8. */
export function md5Hex(str) {
  const b = pad(utf8(str));
  let a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
  for (let off = 0; off < b.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      M[i] = b[j] | (b[j + 1] << 8) | (b[j + 2] << 16) | (b[j + 3] << 24);
    }
    let A = a0, B = b0, C = c0, D = d0;
    for (let i = 0; i < 64; i++) {
      let F, g;
      if (i < 16) { F = (B & C) | (~B & D); g = i; }
      else if (i < 32) { F = (D & B) | (~D & C); g = (5 * i + 1) & 15; }
      else if (i < 48) { F = B ^ C ^ D; g = (3 * i + 5) & 15; }
      else { F = C ^ (B | ~D); g = (7 * i) & 15; }
      const s = MD5_S[((i >> 4) << 2) | (i & 3)];
      const x = (A + F + MD5_K[i] + M[g]) | 0;
      A = D; D = C; C = B;
      B = (B + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    a0 = (a0 + A) | 0; b0 = (b0 + B) | 0; c0 = (c0 + C) | 0; d0 = (d0 + D) | 0;
  }
  return hex32le(a0) + hex32le(b0) + hex32le(c0) + hex32le(d0);
}

using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeployGuard.Scanning.Detection;

/// <summary>
/// Finds every position where one of the rules' keywords starts (ignoring case, as
/// <see cref="StringComparison.OrdinalIgnoreCase"/>), in text order, in one pass over the text.
/// </summary>
/// <remarks>
/// A Teddy-style fingerprint filter (as in Hyperscan and Rust's aho-corasick), exact per byte: the text is narrowed to
/// one byte per character (vectorised; every character past ASCII becomes 0), and three 128-entry tables say, for each
/// of a keyword's first three characters, which of 64 keyword buckets a byte can start, continue or end. A position is
/// a candidate when the AND of the three lookups is not zero; only candidates are compared with the keywords of their
/// buckets, on the text itself. With about two keywords per bucket a candidate is usually a real hit. On processors
/// with AVX-512 VBMI, a vector filter first looks up 64 positions at once in the same tables folded to eight groups
/// (one VPERMI2B per fingerprint byte), and only the positions it keeps are looked up exactly. This replaced ten
/// <see cref="SearchValues{T}"/> passes over the text (sets of 16 keywords): see docs/BENCHMARKS.md, issue 12.
/// </remarks>
internal sealed class KeywordIndex
{
    private const int Buckets = 64;
    private const int Fingerprint = 3;
    private const int NonAscii = 0;
    private const int TableSize = 128;
    private const int Padding = 8;

    // _tables[k * 128 + b]: the buckets whose keywords can have byte b at position k.
    private readonly ulong[] _tables = new ulong[Fingerprint * TableSize];

    // The same with the buckets folded eight to a bit (bucket / 8), per position as two 64-byte halves: the vector
    // filter's tables (one VPERMI2B per position and 64 characters looks up all 128 entries exactly).
    private readonly Vector512<byte>[] _coarse = new Vector512<byte>[Fingerprint * 2];
    private readonly int[][] _bucketKeywords;
    private readonly string[] _keywords;
    private readonly Prefix[] _prefixes;

    public KeywordIndex(string[] keywords)
    {
        _keywords = keywords;
        _prefixes = keywords.Select(Prefix.Of).ToArray();
        // Sorted, so that keywords sharing a prefix share a bucket (fewer distinct bytes per bucket, fewer false candidates).
        // A keyword shorter than the fingerprint takes any byte after it, so it gets a bucket of its own (sharing one,
        // it would make every prefix of its bucket-mates a candidate).
        var order = Enumerable.Range(0, keywords.Length).OrderBy(i => keywords[i], StringComparer.Ordinal).ToArray();
        var shorter = order.Where(i => keywords[i].Length < Fingerprint).Select(i => new[] { i }).ToArray();
        var longer = order.Where(i => keywords[i].Length >= Fingerprint).ToArray();
        var perBucket = Math.Max(1, (longer.Length + Math.Max(1, Buckets - shorter.Length) - 1) / Math.Max(1, Buckets - shorter.Length));
        _bucketKeywords = longer.Chunk(perBucket).Concat(shorter).ToArray();
        if (_bucketKeywords.Length > Buckets)
        {
            // More short keywords than buckets (a custom configuration): share buckets after all.
            _bucketKeywords = order.Chunk((order.Length + Buckets - 1) / Buckets).ToArray();
        }

        for (var bucket = 0; bucket < _bucketKeywords.Length; bucket++)
        {
            var bit = 1UL << bucket;
            foreach (var k in _bucketKeywords[bucket])
            {
                var keyword = keywords[k];
                for (var position = 0; position < Fingerprint; position++)
                {
                    var table = _tables.AsSpan(position * TableSize, TableSize);
                    if (position >= keyword.Length)
                    {
                        // A keyword shorter than the fingerprint: any byte may follow it (the padding zeros too).
                        for (var b = 0; b < TableSize; b++)
                        {
                            table[b] |= bit;
                        }

                        continue;
                    }

                    foreach (var b in BytesFor(keyword[position]))
                    {
                        table[b] |= bit;
                    }
                }
            }
        }

        Span<byte> coarse = stackalloc byte[TableSize];
        for (var position = 0; position < Fingerprint; position++)
        {
            for (var b = 0; b < TableSize; b++)
            {
                var buckets = _tables[(position * TableSize) + b];
                byte folded = 0;
                for (var group = 0; group < 8; group++)
                {
                    if (((buckets >> (group * 8)) & 0xFF) != 0)
                    {
                        folded |= (byte)(1 << group);
                    }
                }

                coarse[b] = folded;
            }

            _coarse[2 * position] = Vector512.Create((ReadOnlySpan<byte>)coarse[..64]);
            _coarse[(2 * position) + 1] = Vector512.Create((ReadOnlySpan<byte>)coarse[64..]);
        }
    }

    public int Count => _keywords.Length;

    /// <summary>
    /// Keyword <paramref name="k"/> starts at <paramref name="i"/>, as <see cref="StringComparison.OrdinalIgnoreCase"/>
    /// says. An ASCII keyword is compared on the narrowed bytes, eight at a time: its first eight characters,
    /// lower-cased, against the text's bytes with 0x20 OR-ed into the letter positions (which folds exactly the ASCII
    /// letters); the text itself decides only the rest of a longer keyword, and non-ASCII keywords.
    /// </summary>
    private bool StartsAt(ReadOnlySpan<char> text, byte[] narrowed, int i, int k)
    {
        var prefix = _prefixes[k];
        if (!prefix.Ascii)
        {
            return text[i..].StartsWith(_keywords[k], StringComparison.OrdinalIgnoreCase);
        }

        var x = BinaryPrimitives.ReadUInt64LittleEndian(narrowed.AsSpan(i, 8));
        if (((x | prefix.Fold) & prefix.Mask) == prefix.Value)
        {
            return prefix.Whole || text[i..].StartsWith(_keywords[k], StringComparison.OrdinalIgnoreCase);
        }

        // A differing byte, or a zero (a non-ASCII character, a NUL or the end of the text): no non-ASCII character
        // equals an ASCII one under OrdinalIgnoreCase (KeywordIndexTests checks all of them), so no match.
        return false;
    }

    /// <summary>
    /// Every keyword occurrence in <paramref name="text"/> as (position, keyword index), in text order; overlapping
    /// occurrences and several keywords at one position all count. Dispose the enumerator (foreach does).
    /// </summary>
    public HitEnumerator Hits(ReadOnlySpan<char> text) => new(this, text);

    /// <summary>The hits of one text: a pooled narrowed copy, walked once.</summary>
    internal ref struct HitEnumerator
    {
        private readonly KeywordIndex _index;
        private readonly ReadOnlySpan<char> _text;
        private readonly byte[]? _narrowed;
        private int _position;
        private ulong _candidates;
        private int[]? _bucket;
        private int _inBucket;
        private int _blockStart;
        private ulong _pending;

        public HitEnumerator(KeywordIndex index, ReadOnlySpan<char> text)
        {
            _index = index;
            _text = text;
            _position = -1;
            _blockStart = -64;
            if (index._keywords.Length > 0 && !text.IsEmpty)
            {
                _narrowed = ArrayPool<byte>.Shared.Rent(text.Length + Padding);
                Narrow(text, _narrowed);
                // Zeros after the text, for the lookups and the 8-byte compares past its end (see StartsAt).
                _narrowed.AsSpan(text.Length, Padding).Clear();
            }
        }

        public (int Position, int Keyword) Current { get; private set; }

        public readonly HitEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_narrowed is null)
            {
                return false;
            }

            while (true)
            {
                // The keywords of the current bucket at the current position.
                if (_bucket is not null)
                {
                    while (_inBucket < _bucket.Length)
                    {
                        var k = _bucket[_inBucket++];
                        if (_index.StartsAt(_text, _narrowed, _position, k))
                        {
                            Current = (_position, k);
                            return true;
                        }
                    }

                    _bucket = null;
                }

                // The next bucket of the current position.
                if (_candidates != 0)
                {
                    _bucket = _index._bucketKeywords[BitOperations.TrailingZeroCount(_candidates)];
                    _candidates &= _candidates - 1;
                    _inBucket = 0;
                    continue;
                }

                // The next candidate position.
                var found = NextCandidate();
                if (found == 0)
                {
                    return false;
                }

                _candidates = found;
            }
        }

        /// <summary>Moves <see cref="_position"/> to the next position whose fingerprint matches a bucket; 0 at the end.</summary>
        private ulong NextCandidate()
        {
            var bytes = _narrowed!;
            var tables = _index._tables;
            var n = _text.Length;
            while (true)
            {
                // Positions the vector filter left in the current block of 64.
                while (_pending != 0)
                {
                    var i = _blockStart + BitOperations.TrailingZeroCount(_pending);
                    _pending &= _pending - 1;
                    var exact = tables[bytes[i]] & tables[TableSize + bytes[i + 1]] & tables[(2 * TableSize) + bytes[i + 2]];
                    if (exact != 0)
                    {
                        _position = i;
                        return exact;
                    }
                }

                var next = Math.Max(_position + 1, _blockStart + 64);
                if (Avx512Vbmi.IsSupported && next + 64 <= n)
                {
                    _blockStart = next;
                    _pending = VectorFilter(bytes, next, _index._coarse);
                    _position = next - 1;
                    continue;
                }

                // Scalar: the tail, and processors without AVX-512 VBMI. Branch-free per position: most letters start
                // some keyword, so a test of the first byte alone would be a branch the processor cannot predict.
                for (var i = Math.Max(_position + 1, _blockStart + 64); i < n; i++)
                {
                    var exact = tables[bytes[i]] & tables[TableSize + bytes[i + 1]] & tables[(2 * TableSize) + bytes[i + 2]];
                    if (exact != 0)
                    {
                        _position = i;
                        _blockStart = i - 63; // positions up to i are done
                        return exact;
                    }
                }

                _position = n;
                return 0;
            }
        }

        /// <summary>The positions of bytes[start..start+64] whose three bytes all fall in one group of buckets.</summary>
        private static ulong VectorFilter(byte[] bytes, int start, Vector512<byte>[] coarse)
        {
            ref var origin = ref MemoryMarshal.GetArrayDataReference(bytes);
            var v0 = Vector512.LoadUnsafe(ref origin, (nuint)start);
            var v1 = Vector512.LoadUnsafe(ref origin, (nuint)start + 1);
            var v2 = Vector512.LoadUnsafe(ref origin, (nuint)start + 2);
            var m = Avx512Vbmi.PermuteVar64x8x2(coarse[0], v0, coarse[1])
                & Avx512Vbmi.PermuteVar64x8x2(coarse[2], v1, coarse[3])
                & Avx512Vbmi.PermuteVar64x8x2(coarse[4], v2, coarse[5]);
            return ~Vector512.Equals(m, Vector512<byte>.Zero).ExtractMostSignificantBits();
        }

        public readonly void Dispose()
        {
            if (_narrowed is not null)
            {
                ArrayPool<byte>.Shared.Return(_narrowed);
            }
        }
    }

    /// <summary>One byte per character: ASCII as is, anything else <see cref="NonAscii"/> (so offsets stay those of the text).</summary>
    internal static void Narrow(ReadOnlySpan<char> text, Span<byte> target)
    {
        var chars = MemoryMarshal.Cast<char, ushort>(text);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var ascii = Vector256.Create((ushort)0x7F);
            for (; i + (2 * Vector256<ushort>.Count) <= chars.Length; i += 2 * Vector256<ushort>.Count)
            {
                var lower = Vector256.Create(chars.Slice(i, Vector256<ushort>.Count));
                var upper = Vector256.Create(chars.Slice(i + Vector256<ushort>.Count, Vector256<ushort>.Count));
                lower &= Vector256.LessThanOrEqual(lower, ascii);
                upper &= Vector256.LessThanOrEqual(upper, ascii);
                Vector256.Narrow(lower, upper).CopyTo(target[i..]);
            }
        }

        for (; i < chars.Length; i++)
        {
            target[i] = chars[i] <= 0x7F ? (byte)chars[i] : (byte)NonAscii;
        }
    }

    /// <summary>
    /// The narrowed bytes a text character can have where it equals <paramref name="c"/> ignoring case: both cases of an
    /// ASCII letter, the character itself for other ASCII; for a character past ASCII, any byte (a superset: candidates
    /// are checked on the text).
    /// </summary>
    private static IEnumerable<int> BytesFor(char c)
    {
        if (c >= 0x80)
        {
            // It may equal an ASCII letter ignoring case ('ſ' and 's', 'K' and 'k'): any byte at all.
            for (var b = 0; b < TableSize; b++)
            {
                yield return b;
            }

            yield break;
        }

        // No non-ASCII character equals an ASCII one under OrdinalIgnoreCase (not even 'ſ' or 'ı', whose upper case is
        // ASCII: ordinal casing keeps them apart; KeywordIndexTests checks every character), so an ASCII keyword
        // character is its two cases and nothing else. A run of non-ASCII text (CJK, emoji, box drawing) is then
        // never a candidate; when letters took NonAscii too, such text made every position one.
        yield return c;
        if (char.IsAsciiLetter(c))
        {
            yield return char.ToUpperInvariant(c);
            yield return char.ToLowerInvariant(c);
        }
    }

    /// <summary>A keyword's first eight characters as narrowed bytes (little-endian), for <see cref="StartsAt"/>.</summary>
    private readonly record struct Prefix(ulong Value, ulong Fold, ulong Mask, bool Whole, bool Ascii)
    {
        public static Prefix Of(string keyword)
        {
            ulong value = 0, fold = 0, mask = 0;
            var ascii = true;
            for (var j = 0; j < Math.Min(8, keyword.Length); j++)
            {
                var c = keyword[j];
                ascii &= c is > '\0' and < (char)0x80; // a NUL would equal the narrowed non-ASCII byte
                var b = c < 0x80 ? (ulong)char.ToLowerInvariant(c) : 0;
                value |= b << (8 * j);
                mask |= 0xFFUL << (8 * j);
                if (char.IsAsciiLetter(c))
                {
                    fold |= 0x20UL << (8 * j);
                }
            }

            // A keyword with a non-ASCII character ('ſ' equals 's' ignoring case) is always compared on the text.
            return new Prefix(value, fold, mask, ascii && keyword.Length <= 8, ascii);
        }
    }
}

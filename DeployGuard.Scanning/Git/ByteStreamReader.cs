using System.Text;

namespace DeployGuard.Scanning.Git;

/// <summary>Reads lines and exact byte counts from a binary stream (cat-file and fast-export output).</summary>
internal sealed class ByteStreamReader(Stream stream, int bufferSize = 1 << 16)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;

    /// <summary>The next line without its LF, or null at end of stream.</summary>
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        List<byte>? carry = null;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var segment = _buffer.AsSpan(_start, newline - _start);
                _start = newline + 1;
                if (carry is null)
                {
                    return segment.ToArray();
                }

                carry.AddRange(segment);
                return carry.ToArray();
            }

            if (_end > _start)
            {
                carry ??= [];
                carry.AddRange(_buffer.AsSpan(_start, _end - _start));
            }

            _start = _end = 0;
            var read = await stream.ReadAsync(_buffer, cancellationToken);
            if (read == 0)
            {
                return carry?.ToArray();
            }

            _end = read;
        }
    }

    public async ValueTask<string?> ReadLineStringAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        return line is null ? null : Encoding.UTF8.GetString(line);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes into a new array.</summary>
    public async ValueTask<byte[]> ReadExactlyAsync(long count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var filled = 0;
        var buffered = (int)Math.Min(_end - _start, count);
        _buffer.AsSpan(_start, buffered).CopyTo(result);
        _start += buffered;
        filled += buffered;
        if (filled < count)
        {
            await stream.ReadExactlyAsync(result.AsMemory(filled), cancellationToken);
        }

        return result;
    }

    /// <summary>Fills <paramref name="target"/> exactly (a blob into a pooled buffer).</summary>
    public async ValueTask ReadExactlyAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(_end - _start, target.Length);
        _buffer.AsMemory(_start, buffered).CopyTo(target);
        _start += buffered;
        if (buffered < target.Length)
        {
            await stream.ReadExactlyAsync(target[buffered..], cancellationToken);
        }
    }

    /// <summary>Discards exactly <paramref name="count"/> bytes (an oversized blob).</summary>
    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        var buffered = (int)Math.Min(_end - _start, count);
        _start += buffered;
        count -= buffered;
        while (count > 0)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            count -= read;
        }
    }
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DeployGuard.Scanning.Detection;

/// <summary>
/// A file opened for positional reads by the directory scan. On Linux and macOS it is a bare descriptor from the
/// runtime's own native shim (libSystem.Native, which every .NET process and the Native AOT executable carry): open,
/// lseek and pread, four system calls per file in all. <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/>
/// adds an fstat, a flock/unlock pair (its FileShare emulation), a second fstat for the length and path normalisation to
/// every file: with 12,000 small files those were about a tenth of the scan's CPU. Elsewhere it is a <see cref="SafeFileHandle"/>.
/// </summary>
internal readonly partial struct ReadOnlyFile : IDisposable
{
    private const string Shim = "libSystem.Native";
    private const int OpenReadOnlyCloseOnExec = 0x0010; // PAL_O_RDONLY | PAL_O_CLOEXEC
    private const int SeekEnd = 2;

    private static readonly bool Native = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    private readonly nint _descriptor;
    private readonly SafeFileHandle? _handle;

    private ReadOnlyFile(nint descriptor, SafeFileHandle? handle, long length)
    {
        _descriptor = descriptor;
        _handle = handle;
        Length = length;
    }

    /// <summary>The length when opened.</summary>
    public long Length { get; }

    /// <exception cref="IOException">The file is missing or unreadable (also <see cref="UnauthorizedAccessException"/>).</exception>
    public static ReadOnlyFile Open(string path)
    {
        if (!Native)
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new ReadOnlyFile(-1, handle, RandomAccess.GetLength(handle));
        }

        var descriptor = SystemNativeOpen(path, OpenReadOnlyCloseOnExec, 0);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open '{path}' (errno {Marshal.GetLastPInvokeError()})");
        }

        var length = SystemNativeLSeek(descriptor, 0, SeekEnd);
        if (length < 0)
        {
            // A directory or another file that cannot seek (a FIFO): not something to scan.
            var errno = Marshal.GetLastPInvokeError();
            _ = SystemNativeClose(descriptor);
            throw new IOException($"cannot read '{path}' (errno {errno})");
        }

        return new ReadOnlyFile(descriptor, null, length);
    }

    /// <summary>Reads at <paramref name="offset"/>; 0 at the end of the file.</summary>
    public int Read(Span<byte> target, long offset)
    {
        if (_handle is not null)
        {
            return RandomAccess.Read(_handle, target, offset);
        }

        var read = SystemNativePRead(_descriptor, ref MemoryMarshal.GetReference(target), target.Length, offset);
        return read >= 0 ? read : throw new IOException($"read failed (errno {Marshal.GetLastPInvokeError()})");
    }

    public void Dispose()
    {
        if (_handle is not null)
        {
            _handle.Dispose();
        }
        else if (_descriptor >= 0)
        {
            _ = SystemNativeClose(_descriptor);
        }
    }

    [LibraryImport(Shim, EntryPoint = "SystemNative_Open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint SystemNativeOpen(string path, int flags, int mode);

    [LibraryImport(Shim, EntryPoint = "SystemNative_LSeek", SetLastError = true)]
    private static partial long SystemNativeLSeek(nint descriptor, long offset, int whence);

    [LibraryImport(Shim, EntryPoint = "SystemNative_PRead", SetLastError = true)]
    private static partial int SystemNativePRead(nint descriptor, ref byte buffer, int count, long offset);

    [LibraryImport(Shim, EntryPoint = "SystemNative_Close")]
    private static partial int SystemNativeClose(nint descriptor);
}

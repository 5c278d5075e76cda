using DeployGuard.Scanning.Detection;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Tests.Scanning.Detection;

public sealed class ReadOnlyFileTests
{
    [Fact]
    public void Open_ExistingFile_LengthAndPositionalReads()
    {
        using var folder = new TempFolder();
        var content = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();
        var path = Path.Combine(folder.Path, "data.bin");
        File.WriteAllBytes(path, content);

        using var file = ReadOnlyFile.Open(path);
        var head = new byte[100];
        var tail = new byte[500];

        Assert.Equal(10_000, file.Length);
        Assert.Equal(100, file.Read(head, 0));
        Assert.Equal(content[..100], head);
        Assert.Equal(200, file.Read(tail, 9_800));
        Assert.Equal(content[9_800..], tail[..200]);
        Assert.Equal(0, file.Read(tail, 10_000));
    }

    [Fact]
    public void Open_EmptyFile_LengthZero()
    {
        using var folder = new TempFolder();
        var path = folder.Write("empty.txt", "");

        using var file = ReadOnlyFile.Open(path);

        Assert.Equal(0, file.Length);
    }

    [Fact]
    public void Open_MissingFile_ThrowsIOException()
    {
        using var folder = new TempFolder();

        Assert.ThrowsAny<IOException>(() => ReadOnlyFile.Open(Path.Combine(folder.Path, "missing.txt")));
    }

    [Fact]
    public void Open_NonAsciiPath_Reads()
    {
        using var folder = new TempFolder();
        var path = folder.Write("schlüssel/ключ.env", "NPM_TOKEN=x\n");

        using var file = ReadOnlyFile.Open(path);

        Assert.Equal(new FileInfo(path).Length, file.Length);
    }
}

using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Tests.ObjectStore;

public sealed class PosixDirectoryTests
{
    [Fact]
    public void Sync_flushes_an_existing_directory_and_reports_a_missing_one()
    {
        using var scratch = new ScratchDirectory("objstore-fsync");

        PosixDirectory.Sync(scratch.Path);

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            // The error proves the call reached open(2), not a no-op.
            var ex = Assert.Throws<IOException>(() => PosixDirectory.Sync(scratch.File("missing")));
            Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(".0.0123456789abcdef0123456789abcdef.tmp", true)]
    [InlineData(".HNSW.index.0123456789abcdef0123456789abcdef.tmp", true)]
    [InlineData("..0123456789abcdef0123456789abcdef.tmp", false)] // no name
    [InlineData(".0.0123456789ABCDEF0123456789abcdef.tmp", false)] // Guid "N" is lowercase
    [InlineData(".0.0123456789abcdef0123456789abcde.tmp", false)]
    [InlineData("0.0123456789abcdef0123456789abcdef.tmp", false)]
    [InlineData(".a.tmp", false)]
    public void Temporary_names_are_recognised_exactly(string name, bool temporary)
    {
        Assert.Equal(temporary, AtomicFile.IsTemporaryName(name));
        Assert.True(AtomicFile.IsTemporaryName(AtomicFile.TemporaryName("x")));
        Assert.True(AtomicFile.IsTemporaryName(AtomicFile.TemporaryName(new string('n', 300))));
    }
}

using Quiver.Storage.Wal;

namespace Quiver.Storage.Tests.Wal;

public class WalCommitFileTests
{
    [Fact]
    public void NewestValidCommitWinsAndATornOneFallsBackToThePrevious()
    {
        using var dir = new ScratchDirectory("walcommit");
        using (var commits = new WalCommitFile(dir.Path))
        {
            for (long n = 1; n <= 5; n++) commits.Commit(64, 1000 * n, [(byte)n, 1, 2, 3], n, forceWriteMetadata: false);
            Assert.Equal(new long[] { 5, 4 }, commits.ListCommits());
            Assert.Equal(new byte[] { 5, 1, 2, 3 }, commits.GetCommitMetadata(5));
            Assert.Null(commits.GetCommitMetadata(3)); // overwritten in turn
        }
        // The write of commit 5 (file commit-1) was torn by a crash: commit 4 is what recovery sees.
        var bytes = File.ReadAllBytes(dir.File("commit-1"));
        bytes[22] ^= 0xFF;
        File.WriteAllBytes(dir.File("commit-1"), bytes);
        using (var commits = new WalCommitFile(dir.Path))
        {
            Assert.Equal(new long[] { 4 }, commits.ListCommits());
            Assert.Equal(4, commits.Latest);
            Assert.Equal(new byte[] { 4, 1, 2, 3 }, commits.GetCommitMetadata(4));
            commits.RemoveAllCommits();
            Assert.Empty(commits.ListCommits());
            Assert.Equal(0, commits.Latest);
        }
    }

    [Fact]
    public async Task ALogReopensFromThePreviousCommitWhenTheLastCommitWriteIsTorn()
    {
        using var dir = new ScratchDirectory("walcommit");
        var options = WriteAheadLogTests.Small(dir.Path);
        long firstBatchEnd;
        await using (var wal = await WriteAheadLog.OpenAsync(options))
        {
            for (int i = 0; i < 10; i++) await wal.AppendAsync(WriteAheadLogTests.Entry(i));
            firstBatchEnd = wal.CommittedUntilAddress;
        }
        // Tear both commit files' newest record: recovery must not invent a tail beyond a whole commit.
        long newest;
        using (var commits = new WalCommitFile(dir.Path)) newest = commits.Latest;
        var path = dir.File($"commit-{newest & 1}");
        var bytes = File.ReadAllBytes(path);
        bytes[25] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        await using (var wal = await WriteAheadLog.OpenAsync(options))
        {
            var all = await WriteAheadLogTests.ReadAll(wal);
            Assert.True(all.Count <= 10);
            for (int i = 0; i < all.Count; i++) Assert.Equal(i, BitConverter.ToInt32(all[i].Entry.Payload.Span));
            Assert.True(wal.CommittedUntilAddress <= firstBatchEnd);
        }
    }
}

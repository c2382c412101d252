using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Quiver.Storage.Segments;

/// <summary>
/// Writes a sealed segment's rows as one Arrow IPC file: written to a temporary name, fsynced, then
/// renamed into place, so a reader never sees half a file. Returns what the manifest records of it.
/// </summary>
public static class SegmentWriter
{
    /// <summary>The largest segment file; the reader maps a file as one span.</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Writes <paramref name="batches"/> (each built for <paramref name="schema"/>) to <paramref name="path"/>.</summary>
    public static SegmentFileInfo Write(string path, SegmentSchema schema, IEnumerable<RecordBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(batches);
        string tmp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ObjectStore.AtomicFile.TemporaryName(Path.GetFileName(path)));
        long rows = 0;
        int written = 0;
        uint crc;
        long size;
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                using (var writer = new ArrowFileWriter(file, schema.Arrow, leaveOpen: true))
                {
                    writer.WriteStart();
                    foreach (var batch in batches)
                    {
                        if (!ReferenceEquals(batch.Schema, schema.Arrow))
                            throw new ArgumentException("a batch was built for another schema; build it with SegmentBatchBuilder over this schema");
                        writer.WriteRecordBatch(batch);
                        rows += batch.Length;
                        written++;
                    }
                    if (written == 0) writer.WriteRecordBatch(SegmentBatchBuilder.Empty(schema));
                    writer.WriteEnd();
                }
                file.Flush(flushToDisk: true);
                size = file.Length;
            }
            // The checksum is taken from the written file (still in the page cache), so it covers exactly what is on disk.
            crc = FileCrc(tmp);
            if (size > MaxFileBytes)
                throw new ArgumentException($"segment file would be {size} bytes; the limit is {MaxFileBytes} — seal segments smaller");
            File.Move(tmp, path, overwrite: true);
            ObjectStore.PosixDirectory.Sync(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
        return new SegmentFileInfo(Path.GetFileName(path), size, crc, rows);
    }

    /// <summary>CRC-32C of a whole file.</summary>
    public static uint FileCrc(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            uint crc = 0;
            int n;
            while ((n = file.Read(buffer, 0, buffer.Length)) > 0) crc = Quiver.Kernel.Hashing.Crc32C.Append(crc, buffer.AsSpan(0, n));
            return crc;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

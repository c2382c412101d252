namespace Quiver.Storage.ObjectStore;

/// <summary>
/// Replaces a file so that a reader, or a reboot, sees either the old contents or the new ones:
/// write a temporary sibling, fsync it, rename it over the target, fsync the directory.
/// </summary>
/// <remarks>
/// rename(2) within one directory is atomic on POSIX filesystems; the file fsync before it keeps a
/// crash from leaving the new name pointing at unwritten blocks, and the directory fsync after it
/// makes the new name itself durable. Temporary names are <c>.{name}.{32 hex}.tmp</c>, unique per
/// writer, so concurrent writers of one target never share a temporary file; the last rename wins.
/// </remarks>
internal static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";
    private const int GuidHexLength = 32;

    // A file name is at most 255 bytes on ext4/xfs; the temporary name adds 39 characters to the
    // target's, so a long target name is cut (the name is only there to help a person reading a directory).
    private const int MaxNameInTemporary = 160;

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>. The file is always fsynced
    /// before the rename; <paramref name="syncDirectory"/> also fsyncs the directory after it.
    /// </summary>
    public static async Task WriteAsync(
        string path, Func<FileStream, CancellationToken, ValueTask> write, bool syncDirectory, CancellationToken cancellationToken)
    {
        string directory = Path.GetDirectoryName(path) ?? throw new ArgumentException($"'{path}' has no directory", nameof(path));
        string temporary = Path.Combine(directory, TemporaryName(Path.GetFileName(path)));
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                BufferSize = 0, // callers write large blocks or copy with their own buffer
            };
            await using (var stream = new FileStream(temporary, options))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        if (syncDirectory)
            PosixDirectory.Sync(directory);
    }

    /// <summary>Writes <paramref name="bytes"/> as the whole of <paramref name="path"/> the same way, synchronously (small metadata files).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temporary = Path.Combine(directory, TemporaryName(Path.GetFileName(path)));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        PosixDirectory.Sync(directory);
    }

    /// <summary>A fresh temporary name for a file that will be renamed to <paramref name="name"/>.</summary>
    public static string TemporaryName(string name)
    {
        if (name.Length > MaxNameInTemporary)
            name = name[..MaxNameInTemporary];
        return "." + name + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
    }

    /// <summary>True for names <see cref="TemporaryName"/> makes: <c>.{name}.{32 lowercase hex}.tmp</c>.</summary>
    public static bool IsTemporaryName(ReadOnlySpan<char> name)
    {
        // '.' + at least one name character + '.' + 32 hex + ".tmp"
        if (name.Length < 1 + 1 + 1 + GuidHexLength + TemporarySuffix.Length
            || name[0] != '.'
            || !name.EndsWith(TemporarySuffix, StringComparison.Ordinal))
            return false;
        var hex = name[^(TemporarySuffix.Length + GuidHexLength)..^TemporarySuffix.Length];
        if (name[^(TemporarySuffix.Length + GuidHexLength + 1)] != '.')
            return false;
        foreach (char c in hex)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
                return false;
        }
        return true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is never listed and is overwritten by nothing.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

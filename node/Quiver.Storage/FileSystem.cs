using System.Runtime.InteropServices;

namespace Quiver.Storage;

/// <summary>The few durability calls .NET does not expose.</summary>
internal static partial class FileSystem
{
    /// <summary>
    /// fsyncs a directory so a rename or a new file in it survives a power loss (POSIX requires this in addition
    /// to the file's own fsync). A no-op on Windows, where the rename is journaled with the file.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

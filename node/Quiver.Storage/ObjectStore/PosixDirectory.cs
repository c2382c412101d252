using System.Runtime.InteropServices;

namespace Quiver.Storage.ObjectStore;

/// <summary>fsync of a directory, which .NET has no API for: open(2) it read-only and fsync(2) the descriptor.</summary>
internal static partial class PosixDirectory
{
    private const int ReadOnly = 0; // O_RDONLY; opening a directory read-only is allowed and enough for fsync
    private const int Interrupted = 4; // EINTR

    /// <summary>
    /// Makes the entries of <paramref name="directory"/> (a rename or a new file in it) durable.
    /// On Linux and macOS only; on Windows NTFS journals the rename and there is no directory handle to flush.
    /// </summary>
    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
            return;
        int fd;
        do
        {
            fd = Open(directory, ReadOnly);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Interrupted);
        if (fd < 0)
            throw new IOException($"open('{directory}') for fsync failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            int rc;
            do
            {
                rc = FSync(fd);
            }
            while (rc < 0 && Marshal.GetLastPInvokeError() == Interrupted);
            if (rc < 0)
                throw new IOException($"fsync('{directory}') failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // open is variadic in C; called with its two fixed arguments only, which every ABI passes in registers.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

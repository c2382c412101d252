using System.Runtime.InteropServices;

namespace Quiver.Index.Storage;

/// <summary>
/// Transparent huge pages for large vector buffers. Graph search reads rows at random across hundreds
/// of megabytes; with 4 KB pages nearly every row costs a TLB miss and a page walk, with 2 MB pages
/// the whole of Fashion-MNIST is covered by under a hundred TLB entries. Debian's default THP mode is
/// "madvise", so a buffer only gets huge pages when it asks: 2 MB-aligned, then madvise(MADV_HUGEPAGE).
/// Elsewhere (or when the call fails) this is a no-op and 4 KB pages are used.
/// </summary>
internal static unsafe partial class HugePages
{
    /// <summary>Huge-page size on x86-64 Linux.</summary>
    public const nuint Size = 2 * 1024 * 1024;

    /// <summary>Buffers from this size up are aligned and advised.</summary>
    public const nuint Threshold = 4 * 1024 * 1024;

    private const int MadvHugepage = 14;

    public static void Advise(void* pointer, nuint bytes)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = Madvise(pointer, bytes, MadvHugepage);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}

namespace Quiver.Node.Coordinator;

/// <summary>
/// Milvus's hybrid timestamp (<c>pkg/util/tsoutil</c>): a <see cref="ulong"/> whose high 46 bits are
/// Unix milliseconds ("physical") and whose low 18 bits count events inside that millisecond
/// ("logical"), <c>physical_ms &lt;&lt; 18 | logical</c>. Ordering the numbers orders the events,
/// and the physical part still reads as wall-clock time (for Bounded consistency and TTLs).
/// </summary>
public static class HybridTimestamp
{
    /// <summary>Bits of the logical counter (Milvus's <c>logicalBits</c>).</summary>
    public const int LogicalBits = 18;

    /// <summary>Logical values per millisecond: 2^18 = 262 144.</summary>
    public const long LogicalPerMillisecond = 1L << LogicalBits;

    /// <summary>The largest physical part that fits (2^46 − 1 ms, about the year 4200).</summary>
    public const long MaxPhysical = (1L << (64 - LogicalBits)) - 1;

    private const ulong LogicalMask = LogicalPerMillisecond - 1;

    /// <summary><c>physicalMs &lt;&lt; 18 | logical</c>.</summary>
    public static ulong Compose(long physicalMs, long logical)
    {
        if (physicalMs is < 0 or > MaxPhysical)
            throw new ArgumentOutOfRangeException(nameof(physicalMs), physicalMs, $"physical time must be 0..{MaxPhysical} ms");
        if (logical is < 0 or >= LogicalPerMillisecond)
            throw new ArgumentOutOfRangeException(nameof(logical), logical, $"logical part must be 0..{LogicalPerMillisecond - 1}");
        return ((ulong)physicalMs << LogicalBits) | (ulong)logical;
    }

    /// <summary>The physical part: Unix time in milliseconds.</summary>
    public static long Physical(ulong ts) => (long)(ts >> LogicalBits);

    /// <summary>The logical part: the event's place inside its millisecond.</summary>
    public static long Logical(ulong ts) => (long)(ts & LogicalMask);

    /// <summary>The physical part as a UTC <see cref="DateTime"/> (the logical part is dropped).</summary>
    public static DateTime ToDateTime(ulong ts) => DateTimeOffset.FromUnixTimeMilliseconds(Physical(ts)).UtcDateTime;
}

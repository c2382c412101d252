using Quiver.Node.Streaming;

namespace Quiver.Node.Query;

/// <summary>
/// A shard's segment list held for reading: every sealed segment in it has a reader's reference, so a concurrent
/// compaction or index swap cannot free an index or a mapping under the reader. Dispose releases them.
/// </summary>
public readonly struct SegmentSnapshot : IDisposable
{
    private SegmentSnapshot(IReadOnlyList<IQuerySegment> segments) => Segments = segments;

    public IReadOnlyList<IQuerySegment> Segments { get; }

    /// <summary>
    /// Takes the shard's current list; if a sealed segment in it was freed meanwhile (it was swapped out and its last
    /// reader left), the list is stale, so the references taken are returned and the current list is taken again.
    /// </summary>
    public static SegmentSnapshot Acquire(ShardChannel shard)
    {
        while (true)
        {
            var list = shard.Segments;
            int taken = 0;
            bool ok = true;
            for (; taken < list.Count; taken++)
            {
                if (list[taken] is SealedSegment s && !s.TryAcquire())
                {
                    ok = false;
                    break;
                }
            }
            if (ok) return new SegmentSnapshot(list);
            for (int i = 0; i < taken; i++) (list[i] as SealedSegment)?.Release();
        }
    }

    public void Dispose()
    {
        if (Segments is null) return;
        foreach (var s in Segments) (s as SealedSegment)?.Release();
    }
}

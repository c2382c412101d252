namespace Quiver.Node.Client;

/// <summary>
/// One result row: its primary key (long or string), its distance or score (L2: squared distance, smaller is
/// better; IP and COSINE: similarity, larger is better; HAMMING/JACCARD: distance), and the requested output fields.
/// </summary>
public sealed record SearchHit(object Id, float Distance, IReadOnlyDictionary<string, object?> Fields)
{
    /// <summary>In a grouped search, the value of the group-by field this hit belongs to.</summary>
    public object? GroupByValue { get; init; }
}

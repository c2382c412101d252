namespace Quiver.Index;

/// <summary>Per-family search parameters (FAISS's SearchParameters idea): each family reads its own subtype.</summary>
public abstract record SearchParameters;

/// <summary>
/// HNSW search: <see cref="Ef"/> is the size of the dynamic candidate list (the paper's ef; Milvus "ef",
/// hnswlib setEf). Larger is slower and more accurate; it is raised to k when smaller.
/// </summary>
public sealed record HnswSearchParameters(int Ef) : SearchParameters
{
    /// <summary>Milvus allows ef up to this value.</summary>
    public const int MaxEf = 32768;

    /// <summary>Checks the value; throws naming the parameter and the allowed range.</summary>
    public HnswSearchParameters Validate()
    {
        if (Ef < 1 || Ef > MaxEf) throw new ArgumentOutOfRangeException(nameof(Ef), Ef, $"ef = {Ef} is out of range; allowed: 1 ≤ ef ≤ {MaxEf}.");
        return this;
    }
}

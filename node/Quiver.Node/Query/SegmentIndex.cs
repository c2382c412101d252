using Quiver.Index;
using Quiver.Kernel.Distance;

namespace Quiver.Node.Query;

/// <summary>One vector field's index over a sealed segment: the index, the metric it was built for, and its default search parameters.</summary>
public sealed record SegmentIndex(IVectorIndex Index, Metric Metric, SearchParameters? Defaults);

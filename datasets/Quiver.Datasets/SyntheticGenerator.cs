namespace Quiver.Datasets;

/// <summary>
/// Generates a <see cref="SyntheticSpec"/> in a stream to .fvecs files, block by block, so sets larger
/// than memory can be written (10M × 128 is 5 GB). Each block of rows has its own generator seeded from
/// (seed, block), so the output does not depend on how many threads wrote it.
/// </summary>
public static class SyntheticGenerator
{
    private const int BlockRows = 16_384;

    /// <summary>Writes train and test .fvecs for <paramref name="spec"/> into <paramref name="directory"/>; returns their paths.</summary>
    public static (string Train, string Test) Write(SyntheticSpec spec, string directory, Action<double>? progress = null)
    {
        Directory.CreateDirectory(directory);
        string train = Path.Combine(directory, spec.Name + ".train.fvecs");
        string test = Path.Combine(directory, spec.Name + ".test.fvecs");
        var centres = Centres(spec);
        WriteFile(train, spec, centres, spec.Count, stream: 0, progress);
        WriteFile(test, spec, centres, spec.Queries, stream: 1, null);
        return (train, test);
    }

    /// <summary>Generates rows [start, start + count) of a stream (0 = train, 1 = test) into <paramref name="output"/>.</summary>
    public static void Generate(SyntheticSpec spec, float[] centres, int stream, long block, Span<float> output)
    {
        var rng = new Random(Mix(spec.Seed, stream, block));
        int d = spec.Dim;
        for (int r = 0; r < output.Length / d; r++)
        {
            var c = centres.AsSpan(rng.Next(spec.Clusters) * d, d);
            var row = output.Slice(r * d, d);
            for (int i = 0; i < d; i++) row[i] = c[i] + (float)Gaussian(rng);
        }
    }

    /// <summary>The mixture centres: Clusters × Dim values from N(0, Spread²).</summary>
    public static float[] Centres(SyntheticSpec spec)
    {
        var rng = new Random(Mix(spec.Seed, -1, -1));
        var c = new float[spec.Clusters * spec.Dim];
        for (int i = 0; i < c.Length; i++) c[i] = (float)(Gaussian(rng) * spec.Spread);
        return c;
    }

    private static void WriteFile(string path, SyntheticSpec spec, float[] centres, int rows, int stream, Action<double>? progress)
    {
        string tmp = path + ".tmp";
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            int blocks = (rows + BlockRows - 1) / BlockRows;
            // Blocks are generated in parallel a window at a time and written in order.
            int window = Math.Max(1, Environment.ProcessorCount) * 2;
            var buffers = new float[window][];
            for (int b0 = 0; b0 < blocks; b0 += window)
            {
                int count = Math.Min(window, blocks - b0);
                Parallel.For(0, count, w =>
                {
                    int b = b0 + w;
                    int n = Math.Min(BlockRows, rows - b * BlockRows);
                    buffers[w] = buffers[w] is { } buf && buf.Length == n * spec.Dim ? buf : new float[n * spec.Dim];
                    Generate(spec, centres, stream, b, buffers[w]);
                });
                for (int w = 0; w < count; w++) VectorFiles.Append<float>(file, buffers[w], spec.Dim);
                progress?.Invoke((double)Math.Min(blocks, b0 + count) / blocks);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// A deterministic seed from (seed, stream, block) by SplitMix64 steps. HashCode.Combine would not
    /// do: it is randomised per process.
    /// </summary>
    private static int Mix(int seed, int stream, long block)
    {
        ulong x = (ulong)(uint)seed;
        foreach (ulong v in new[] { (ulong)(uint)stream, (ulong)block })
        {
            x += 0x9E3779B97F4A7C15UL + v;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            x ^= x >> 31;
        }
        return (int)(x & 0x7FFF_FFFF);
    }

    /// <summary>Standard normal by Box–Muller (one of the pair; simple and seeded).</summary>
    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

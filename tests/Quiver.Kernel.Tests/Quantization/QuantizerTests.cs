using Quiver.Kernel.Distance;
using Quiver.Kernel.Quantization;

namespace Quiver.Kernel.Tests.Quantization;

public class QuantizerTests
{
    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Code_weight_dot_is_exact_on_every_dimension(SimdPath path)
    {
        var rng = new Random(41);
        foreach (int n in TestData.Dims)
        {
            var codes = TestData.Bytes(rng, n);
            int max = VectorDistance.MaxWeight(n);
            var weights = Enumerable.Range(0, n).Select(_ => (short)rng.Next(-max, max + 1)).ToArray();
            weights[0] = (short)max; // the extreme weight must not overflow
            codes[0] = 255;
            long want = 0;
            for (int i = 0; i < n; i++) want += codes[i] * weights[i];
            Assert.Equal(want, VectorDistance.DotCodes(TestData.Unaligned(codes, n), TestData.Unaligned(weights, n + 1), path));
        }
    }

    [Fact]
    public void Batch_code_dot_matches_single_rows_and_checks_bounds()
    {
        var rng = new Random(42);
        const int dim = 37, stride = 41, rows = 9;
        var codes = TestData.Bytes(rng, stride * rows);
        var w = Enumerable.Range(0, dim).Select(_ => (short)rng.Next(-1000, 1000)).ToArray();
        var results = new int[rows];
        VectorDistance.Dot(w, codes, stride, results);
        for (int r = 0; r < rows; r++) Assert.Equal(VectorDistance.Dot(codes.AsSpan(r * stride, dim), w), results[r]);
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorDistance.Dot(w, codes.AsSpan(0, stride * 8), stride, new int[rows]));
    }

    [Fact]
    public void Scalar_quantizer_reconstructs_within_half_a_step_and_its_search_terms_match_the_decoded_vector()
    {
        var rng = new Random(43);
        const int dim = 50, n = 400;
        var rows = TestData.Floats(rng, n * dim, 3f);
        var sq = ScalarQuantizer.Train(rows, dim);
        var code = new byte[dim];
        var decoded = new float[dim];
        var weights = new short[dim];
        var query = TestData.Floats(rng, dim, 3f);
        for (int r = 0; r < n; r++)
        {
            var row = rows.AsSpan(r * dim, dim);
            float norm = sq.Encode(row, code);
            sq.Decode(code, decoded);
            for (int j = 0; j < dim; j++) Assert.True(Math.Abs(decoded[j] - row[j]) <= sq.Step[j] * 0.5001f + 1e-6f, $"dim {j}");
            var q = ReferenceDistance.Widen<float>(query);
            var x = ReferenceDistance.Widen<float>(decoded);
            Assert.Equal(ReferenceDistance.Dot(x, x), norm, norm * 1e-5);
            // a·x̂ = a·min + σ·(w·code); ‖a − x̂‖² = ‖a‖² − 2·a·x̂ + ‖x̂‖²
            float sigma = sq.QuantizeWeights(query, weights, out float dotMin);
            double dot = dotMin + (double)sigma * VectorDistance.Dot(code, weights);
            double exactDot = ReferenceDistance.Dot(q, x);
            Assert.Equal(exactDot, dot, Math.Abs(exactDot) * 1e-3 + 1e-2);
            double l2 = ReferenceDistance.Dot(q, q) - 2 * dot + norm;
            double exact = ReferenceDistance.SquaredL2(q, x);
            Assert.Equal(exact, l2, exact * 1e-3 + 1e-2);
        }
        // Out-of-range values clamp instead of wrapping.
        var far = Enumerable.Repeat(1e6f, dim).ToArray();
        sq.Encode(far, code);
        Assert.All(code, b => Assert.Equal(255, b));
    }

    [Fact]
    public void Packed_codes_round_trip_for_every_width()
    {
        var rng = new Random(44);
        for (int nbits = 1; nbits <= ProductQuantizer.MaxNbits; nbits++)
        {
            const int m = 13;
            var code = new byte[(m * nbits + 7) / 8];
            var values = Enumerable.Range(0, m).Select(_ => rng.Next(1 << nbits)).ToArray();
            for (int j = 0; j < m; j++) ProductQuantizer.WriteCode(code, j, nbits, values[j]);
            for (int j = 0; j < m; j++) Assert.Equal(values[j], ProductQuantizer.ReadCode(code, j, nbits));
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(10)]
    public void Product_quantizer_tables_give_the_distance_to_the_decoded_vector(int nbits)
    {
        var rng = new Random(45);
        const int dim = 24, m = 6;
        int n = Math.Max(2048, 2 << nbits);
        var rows = TestData.Floats(rng, n * dim, 1f);
        var pq = ProductQuantizer.Train(rows, dim, m, nbits, iterations: 4, seed: 5, threads: 2);
        Assert.Equal((m * nbits + 7) / 8, pq.CodeSize);
        var codes = new byte[n * pq.CodeSize];
        pq.Encode(rows, codes, threads: 2);
        var query = TestData.Floats(rng, dim, 1f);
        var table = new float[pq.TableSize];
        var dist = new float[n];
        var decoded = new float[dim];
        foreach (bool l2 in new[] { true, false })
        {
            pq.ComputeTable(query, l2 ? PqTable.L2 : PqTable.InnerProduct, table);
            pq.Scan(table, codes, n, dist);
            double decodedError = 0, rawError = 0;
            for (int r = 0; r < n; r += 37)
            {
                pq.Decode(codes.AsSpan(r * pq.CodeSize, pq.CodeSize), decoded);
                var q = ReferenceDistance.Widen<float>(query);
                var x = ReferenceDistance.Widen<float>(decoded);
                double want = l2 ? ReferenceDistance.SquaredL2(q, x) : -ReferenceDistance.Dot(q, x);
                Assert.Equal(want, dist[r], Math.Abs(want) * 1e-4 + 1e-4);
                var code = codes.AsSpan(r * pq.CodeSize, pq.CodeSize);
                Assert.Equal(ReferenceDistance.Dot(q, x), pq.DotDecoded(code, query), 1e-4);
                if (l2)
                {
                    // Without the query norm: the L2 table less ‖q‖².
                    var partial = new float[pq.TableSize];
                    pq.ComputeTable(query, PqTable.L2WithoutQueryNorm, partial);
                    var one = new float[1];
                    pq.Scan(partial, code, 1, one);
                    Assert.Equal(want - ReferenceDistance.Dot(q, q), one[0], Math.Abs(want) * 1e-4 + 1e-4);
                }
                decodedError += ReferenceDistance.SquaredL2(ReferenceDistance.Widen<float>(rows.AsSpan(r * dim, dim)), x);
                rawError += ReferenceDistance.SquaredL2(ReferenceDistance.Widen<float>(rows.AsSpan(r * dim, dim)), new double[dim]);
            }
            // Each code is its nearest sub-centroid: reconstruction is much closer than the zero vector.
            Assert.True(decodedError < 0.6 * rawError, $"reconstruction error {decodedError:F2} vs norm {rawError:F2}");
        }
        // Reproducible from the seed.
        var again = ProductQuantizer.Train(rows, dim, m, nbits, iterations: 4, seed: 5, threads: 2);
        Assert.Equal(pq.Codebooks, again.Codebooks);
    }

    [Fact]
    public void Product_quantizer_rejects_bad_parameters_by_name()
    {
        Assert.Contains("m = 5 must divide dim = 24", Assert.Throws<ArgumentOutOfRangeException>(() => ProductQuantizer.Validate(24, 5, 8)).Message);
        Assert.Contains("nbits = 17", Assert.Throws<ArgumentOutOfRangeException>(() => ProductQuantizer.Validate(24, 4, 17)).Message);
        Assert.Contains("nbits = 0", Assert.Throws<ArgumentOutOfRangeException>(() => ProductQuantizer.Validate(24, 4, 0)).Message);
        Assert.Contains("at least 2^nbits = 256", Assert.Throws<ArgumentException>(() => ProductQuantizer.Train(new float[100 * 8], 8, 2, 8)).Message);
    }
}

using Quiver.Kernel.Distance;

namespace Quiver.Kernel.Quantization;

/// <summary>
/// Per-dimension 8-bit scalar quantization (FAISS's QT_8bit with min/max range statistics): dimension j
/// maps [min_j, min_j + 255·step_j] onto codes 0..255, x̂_j = min_j + step_j · code_j.
/// <para>
/// Search never decodes: with w = a ⊙ step, a·x̂ = a·min + w·code, and
/// ‖a − x̂‖² = ‖a‖² − 2·a·x̂ + ‖x̂‖², where ‖x̂‖² is stored beside the code (<see cref="Encode"/> returns
/// it). w is rounded to int16 with one scale per query (<see cref="QuantizeWeights"/>), so w·code is an
/// exact integer kernel (<see cref="VectorDistance.Dot(ReadOnlySpan{byte}, ReadOnlySpan{short})"/>).
/// </para>
/// </summary>
public sealed class ScalarQuantizer
{
    /// <summary>Builds a quantizer from stored ranges.</summary>
    public ScalarQuantizer(float[] min, float[] step)
    {
        if (min.Length != step.Length || min.Length == 0) throw new ArgumentException($"min ({min.Length}) and step ({step.Length}) must be the same, non-zero length.");
        Min = min;
        Step = step;
    }

    /// <summary>Dimension.</summary>
    public int Dim => Min.Length;

    /// <summary>Lower end of each dimension's range.</summary>
    public float[] Min { get; }

    /// <summary>Width of one code step in each dimension (0 where the training data was constant).</summary>
    public float[] Step { get; }

    /// <summary>Per-dimension min/max of row-major <paramref name="rows"/>.</summary>
    public static ScalarQuantizer Train(ReadOnlySpan<float> rows, int dim)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (rows.Length == 0 || rows.Length % dim != 0) throw new ArgumentException($"{rows.Length} values are not a non-empty whole number of {dim}-d rows.", nameof(rows));
        var min = new float[dim];
        var max = new float[dim];
        rows[..dim].CopyTo(min);
        rows[..dim].CopyTo(max);
        for (int at = dim; at < rows.Length; at += dim)
        {
            var row = rows.Slice(at, dim);
            for (int j = 0; j < dim; j++)
            {
                float v = row[j];
                if (v < min[j]) min[j] = v;
                if (v > max[j]) max[j] = v;
            }
        }
        var step = new float[dim];
        for (int j = 0; j < dim; j++) step[j] = (max[j] - min[j]) / 255f;
        return new ScalarQuantizer(min, step);
    }

    /// <summary>Codes of one row (values outside the trained range are clamped); returns ‖x̂‖², the squared norm of the reconstruction.</summary>
    public float Encode(ReadOnlySpan<float> row, Span<byte> code)
    {
        if (row.Length != Dim || code.Length < Dim) throw new ArgumentException($"row must have {Dim} values and code room for {Dim} bytes.");
        double norm = 0;
        for (int j = 0; j < Dim; j++)
        {
            float s = Step[j];
            int c = s > 0 ? (int)MathF.Round((row[j] - Min[j]) / s) : 0;
            c = Math.Clamp(c, 0, 255);
            code[j] = (byte)c;
            double v = Min[j] + (double)s * c;
            norm += v * v;
        }
        return (float)norm;
    }

    /// <summary>The reconstruction x̂ of a code.</summary>
    public void Decode(ReadOnlySpan<byte> code, Span<float> row)
    {
        for (int j = 0; j < Dim; j++) row[j] = Min[j] + Step[j] * code[j];
    }

    /// <summary>
    /// Query preparation: writes round(w / σ) for w = a ⊙ step into <paramref name="weights"/>, with σ
    /// chosen so the largest |weight| is <see cref="VectorDistance.MaxWeight"/>(dim); returns σ, and a·min
    /// through <paramref name="dotMin"/>. Then a·x̂ ≈ dotMin + σ · Dot(code, weights).
    /// </summary>
    public float QuantizeWeights(ReadOnlySpan<float> a, Span<short> weights, out float dotMin)
    {
        if (a.Length != Dim || weights.Length < Dim) throw new ArgumentException($"query must have {Dim} values and weights room for {Dim}.");
        double c = 0;
        float maxAbs = 0;
        for (int j = 0; j < Dim; j++)
        {
            c += (double)a[j] * Min[j];
            maxAbs = Math.Max(maxAbs, Math.Abs(a[j] * Step[j]));
        }
        dotMin = (float)c;
        if (maxAbs == 0)
        {
            weights[..Dim].Clear();
            return 0;
        }
        float sigma = maxAbs / VectorDistance.MaxWeight(Dim);
        float inv = 1 / sigma;
        for (int j = 0; j < Dim; j++)
            weights[j] = (short)Math.Clamp(MathF.Round(a[j] * Step[j] * inv), -short.MaxValue, short.MaxValue);
        return sigma;
    }
}

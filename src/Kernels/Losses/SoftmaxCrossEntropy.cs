namespace MLNet.Extensions.Kernels.Losses;

/// <summary>Softmax fused with cross-entropy, numerically stable (max subtracted).</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>probabilities (N,C) := softmax(logits (N,C)) row by row. May alias logits.</summary>
    public static void Softmax(int batch, int classes, ReadOnlySpan<float> logits, Span<float> probabilities)
        {
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> row = logits.Slice(n * classes, classes);
            Span<float> p = probabilities.Slice(n * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float v in row)
                max = Math.Max(max, v);
            float sum = 0;
            for (int c = 0; c < classes; c++)
            {
                p[c] = MathF.Exp(row[c] - max);
                sum += p[c];
            }
            for (int c = 0; c < classes; c++)
                p[c] /= sum;
        }
    }

    /// <summary>
    /// probabilities := softmax(logits); returns sum over n of weight[n] * -log p[n, label[n]].
    /// <paramref name="sampleWeights"/> (N) may be empty (all 1). Labels must lie in [0, C).
    /// </summary>
    public static float Forward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> sampleWeights, Span<float> probabilities)
        {
        Softmax(batch, classes, logits, probabilities);
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            int label = labels[n];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{n}] is {label}; expected 0 to {classes - 1}.");
            float w = sampleWeights.IsEmpty ? 1f : sampleWeights[n];
            loss -= w * Math.Log(Math.Max(probabilities[n * classes + label], 1e-30f));
        }
        return (float)loss;
    }

    /// <summary>dLogits[n,c] := scale * weight[n] * (p[n,c] - [c == label[n]]). Overwrites dLogits.</summary>
    public static void Backward(int batch, int classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> sampleWeights, float scale, Span<float> dLogits)
        {
        for (int n = 0; n < batch; n++)
        {
            float w = scale * (sampleWeights.IsEmpty ? 1f : sampleWeights[n]);
            for (int c = 0; c < classes; c++)
                dLogits[n * classes + c] = w * (probabilities[n * classes + c] - (c == labels[n] ? 1f : 0f));
        }
    }
}

using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>
/// One GRU layer, forward and backward through time, in the reset-after formulation of cuDNN, PyTorch and Keras
/// (reset_after=True), gates stacked r, z, n (PyTorch's order):
/// r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}.
/// Weights: input (3H, F), recurrent (3H, H), input bias (3H), recurrent bias (3H); the reset gate scales W_hn h + b_hn,
/// so the two biases of n are not interchangeable and both are kept.
/// Sequences shorter than T (per <c>lengths</c>) are right-padded: for t &gt;= length, h_t = h_{t-1},
/// so padded steps change neither the final state nor any gradient.
/// </summary>
public static partial class GruLayer
{
    /// <summary>Floats of scratch space <see cref="Forward"/> needs.</summary>
    public static int ForwardWorkspaceSize(in GruShape shape) =>
        shape.Batch * (shape.GateSize + shape.HiddenSize) + PackedGemm.PackedSize(shape.GateSize, shape.HiddenSize);

    /// <summary>Floats of scratch space <see cref="Backward"/> needs.</summary>
    public static int BackwardWorkspaceSize(in GruShape shape) =>
        2 * shape.Steps * shape.Batch * shape.GateSize + 3 * shape.Batch * shape.HiddenSize
        + PackedGemm.PackedSize(shape.HiddenSize, shape.GateSize);

    /// <summary>
    /// Floats of the per-step cache <see cref="Forward"/> writes and <see cref="Backward"/> reads: (T, N, 4H), each row the
    /// activated gates r, z, n and the recurrent part of n before the reset gate, hn = W_hn h_{t-1} + b_hn (zeros at padded steps).
    /// </summary>
    public static int CacheSize(in GruShape shape) => shape.Steps * shape.Batch * 4 * shape.HiddenSize;

    /// <summary>
    /// Runs all T steps. input (T,N,F); initialHidden (N,H) or empty for zeros; lengths (N) or empty for all T.
    /// Writes hidden (T,N,H) and the cache (T,N,4H) laid out as <see cref="CacheSize"/> describes.
    /// </summary>
    public static void Forward(in GruShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> inputBias, ReadOnlySpan<float> recurrentBias,
        ReadOnlySpan<float> initialHidden, ReadOnlySpan<int> lengths, Span<float> hidden, Span<float> cache, Span<float> workspace)
    {
        Validate(shape, input.Length, inputWeights.Length, recurrentWeights.Length, initialHidden.Length, lengths, hidden.Length, cache.Length);
        if (inputBias.Length != shape.GateSize)
            throw new ArgumentException($"inputBias has {inputBias.Length} elements; expected 3H = {shape.GateSize}.", nameof(inputBias));
        if (recurrentBias.Length != shape.GateSize)
            throw new ArgumentException($"recurrentBias has {recurrentBias.Length} elements; expected 3H = {shape.GateSize}.", nameof(recurrentBias));
        if (workspace.Length < ForwardWorkspaceSize(shape))
            throw new ArgumentException($"workspace has {workspace.Length} elements; expected at least {ForwardWorkspaceSize(shape)}.", nameof(workspace));
        int n = shape.Batch, t = shape.Steps, f = shape.InputSize, h = shape.HiddenSize, g3 = shape.GateSize, g4 = 4 * h;
        Span<float> projection = workspace[..(n * g3)];
        Span<float> zeros = workspace.Slice(n * g3, n * h);
        zeros.Clear();
        ReadOnlySpan<float> h0 = initialHidden.IsEmpty ? zeros : initialHidden;
        // As in the LSTM: with enough rows, W_hh^T is packed once for all steps and threads instead of by every step's GEMM;
        // a few rows take the unpacked dot-product path instead, where packing would dominate.
        bool packed = n >= 8;
        ReadOnlySpan<float> recurrent = recurrentWeights;
        if (packed)
        {
            Span<float> packedWeights = workspace.Slice(n * (g3 + h), PackedGemm.PackedSize(g3, h));
            PackedGemm.PackB(Transpose.Yes, g3, h, recurrentWeights, h, packedWeights);
            recurrent = packedWeights;
        }
        // Input projections of all steps in one product, into the first 3H of each cache row; the biases join in the cell math.
        Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, t * n, g3, f, 1f, input, f, inputWeights, f, 0f, cache, g4);
        unsafe
        {
            fixed (float* pH0 = h0, pWhh = recurrent, pBih = inputBias, pBhh = recurrentBias, pHidden = hidden, pCache = cache, pProjection = projection)
            fixed (int* pLengths = lengths)
            {
                var pointers = new StepPointers(pH0, pWhh, pBih, pBhh, pHidden, pCache, pProjection, lengths.IsEmpty ? null : pLengths);
                // Sequences are independent through time, so the batch is split across threads for the whole recurrence.
                if (SplitsRows(shape))
                    ForwardRowsInParallel(shape, pointers, packed, recurrent.Length);
                else
                    ForwardSteps(shape, pointers, packed, recurrent.Length, 0, shape.Batch);
            }
        }
    }

    /// <summary>
    /// All steps for batch rows [b0, b1): the recurrent GEMM on those rows (weights packed by <see cref="PackedGemm.PackB"/>,
    /// or as stored), then the fused gate math and update.
    /// </summary>
    private static unsafe void ForwardSteps(in GruShape shape, in StepPointers p, bool packedWeights, int weightLength, int b0, int b1)
    {
        int n = shape.Batch, h = shape.HiddenSize, g3 = shape.GateSize, g4 = 4 * h, rows = b1 - b0;
        for (int s = 0; s < shape.Steps; s++)
        {
            float* hPrev = s == 0 ? p.H0 : p.Hidden + (long)(s - 1) * n * h;
            float* step = p.Cache + (long)s * n * g4;
            var hRows = new ReadOnlySpan<float>(hPrev + (long)b0 * h, rows * h);
            var projectionRows = new Span<float>(p.Projection + (long)b0 * g3, rows * g3);
            var weights = new ReadOnlySpan<float>(p.RecurrentWeights, weightLength);
            if (packedWeights)
                PackedGemm.Multiply(Transpose.No, rows, g3, h, 1f, hRows, h, weights, 0f, projectionRows, g3);
            else
                Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, rows, g3, h, 1f, hRows, h, weights, h, 0f, projectionRows, g3);
            for (int b = b0; b < b1; b++)
            {
                float* row = step + (long)b * g4;
                float* hOut = p.Hidden + ((long)s * n + b) * h;
                if (p.Lengths != null && s >= p.Lengths[b])
                {
                    new ReadOnlySpan<float>(hPrev + (long)b * h, h).CopyTo(new Span<float>(hOut, h));
                    new Span<float>(row, g4).Clear();
                    continue;
                }
                GruCellMath.Forward(row, p.Projection + (long)b * g3, p.InputBias, p.RecurrentBias, hPrev + (long)b * h, hOut, h);
            }
        }
    }
}

using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Global average pooling: the mean over all positions of each sample and channel, for maps and for sequences.</summary>
public static class GlobalAvgPool
{
    /// <summary>output (N, C) := the mean of each (H*W) plane of channels-first maps input (N, C, H*W). Overwrites output.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or a span's length does not match it.</exception>
    public static void ForwardMaps(in GlobalPoolShape shape, ReadOnlySpan<float> input, Span<float> output)
    {
        shape.Validate();
        PoolChecks.Length(input.Length, shape.InputSize, nameof(input), "N*C*P");
        PoolChecks.Length(output.Length, shape.OutputSize, nameof(output), "N*C");
        int p = shape.Positions;
        for (int i = 0; i < shape.OutputSize; i++)
            output[i] = (float)(Reductions.Sum(input.Slice(i * p, p)) / p);
    }

    /// <summary>dInput (N, C, H*W) := dOutput (N, C) / (H*W) at every position. Overwrites dInput.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or a span's length does not match it.</exception>
    public static void BackwardMaps(in GlobalPoolShape shape, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        shape.Validate();
        PoolChecks.Length(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*C");
        PoolChecks.Length(dInput.Length, shape.InputSize, nameof(dInput), "N*C*P");
        int p = shape.Positions;
        for (int i = 0; i < shape.OutputSize; i++)
            dInput.Slice(i * p, p).Fill(dOutput[i] / p);
    }

    /// <summary>
    /// output (N, C) := the mean over the first lengths[n] steps of channels-last sequences input (N, T, C); lengths (N) or
    /// empty for all T. A sequence of length 0 pools to zeros. Overwrites output.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or a length is outside 0..T.</exception>
    public static unsafe void ForwardSequences(in GlobalPoolShape shape, ReadOnlySpan<float> input, ReadOnlySpan<int> lengths, Span<float> output)
    {
        shape.Validate();
        PoolChecks.Length(input.Length, shape.InputSize, nameof(input), "N*T*C");
        PoolChecks.Length(output.Length, shape.OutputSize, nameof(output), "N*C");
        shape.ValidateLengths(lengths);
        fixed (float* pIn = input, pOut = output)
        {
            for (int n = 0; n < shape.Batch; n++)
            {
                int length = shape.Length(lengths, n), c = shape.Channels;
                float* rows = pIn + (long)n * shape.Positions * c, y = pOut + (long)n * c;
                float scale = length > 0 ? 1f / length : 0f;
                switch (PoolRows.Width)
                {
                    case VectorWidth.Bits512: PoolRows.Sum<Simd512, Vector512<float>>(rows, c, length, c, scale, y); break;
                    case VectorWidth.Bits256: PoolRows.Sum<Simd256, Vector256<float>>(rows, c, length, c, scale, y); break;
                    case VectorWidth.Bits128: PoolRows.Sum<Simd128, Vector128<float>>(rows, c, length, c, scale, y); break;
                    default: PoolRows.Sum<SimdScalar, float>(rows, c, length, c, scale, y); break;
                }
            }
        }
    }

    /// <summary>
    /// dInput (N, T, C) := dOutput (N, C) / lengths[n] at each of the first lengths[n] steps and zero on the padding.
    /// Overwrites dInput.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or a length is outside 0..T.</exception>
    public static unsafe void BackwardSequences(in GlobalPoolShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> lengths, Span<float> dInput)
    {
        shape.Validate();
        PoolChecks.Length(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*C");
        PoolChecks.Length(dInput.Length, shape.InputSize, nameof(dInput), "N*T*C");
        shape.ValidateLengths(lengths);
        dInput.Clear();
        fixed (float* pDOut = dOutput, pDIn = dInput)
        {
            for (int n = 0; n < shape.Batch; n++)
            {
                int length = shape.Length(lengths, n), c = shape.Channels;
                if (length == 0)
                    continue;
                float* dy = pDOut + (long)n * c, rows = pDIn + (long)n * shape.Positions * c;
                switch (PoolRows.Width)
                {
                    case VectorWidth.Bits512: PoolRows.Spread<Simd512, Vector512<float>>(dy, c, 1f / length, rows, c, length); break;
                    case VectorWidth.Bits256: PoolRows.Spread<Simd256, Vector256<float>>(dy, c, 1f / length, rows, c, length); break;
                    case VectorWidth.Bits128: PoolRows.Spread<Simd128, Vector128<float>>(dy, c, 1f / length, rows, c, length); break;
                    default: PoolRows.Spread<SimdScalar, float>(dy, c, 1f / length, rows, c, length); break;
                }
            }
        }
    }
}

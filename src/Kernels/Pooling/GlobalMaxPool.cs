using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Global max pooling: the maximum over all positions of each sample and channel, for maps and for sequences.</summary>
public static class GlobalMaxPool
{
    /// <summary>
    /// output (N, C) := the maximum of each (H*W) plane of channels-first maps input (N, C, H*W); argmax (N, C) records the
    /// winner's index within its plane, the first on ties. Overwrites both.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid or a span's length does not match it.</exception>
    public static unsafe void ForwardMaps(in GlobalPoolShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
    {
        shape.Validate();
        PoolChecks.Length(input.Length, shape.InputSize, nameof(input), "N*C*P");
        PoolChecks.Length(output.Length, shape.OutputSize, nameof(output), "N*C");
        PoolChecks.Length(argmax.Length, shape.OutputSize, nameof(argmax), "N*C");
        int p = shape.Positions;
        fixed (float* pIn = input)
        {
            for (int i = 0; i < shape.OutputSize; i++)
            {
                float* plane = pIn + (long)i * p;
                (output[i], argmax[i]) = PoolRows.Width switch
                {
                    VectorWidth.Bits512 => PoolRows.PlaneMax<Simd512, Vector512<float>>(plane, p),
                    VectorWidth.Bits256 => PoolRows.PlaneMax<Simd256, Vector256<float>>(plane, p),
                    VectorWidth.Bits128 => PoolRows.PlaneMax<Simd128, Vector128<float>>(plane, p),
                    _ => PoolRows.PlaneMax<SimdScalar, float>(plane, p),
                };
            }
        }
    }

    /// <summary>dInput (N, C, H*W) := dOutput (N, C) at each plane's winner, zero elsewhere. Overwrites dInput.</summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or argmax holds an index outside 0..P-1.</exception>
    public static void BackwardMaps(in GlobalPoolShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput)
    {
        shape.Validate();
        PoolChecks.Length(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*C");
        PoolChecks.Length(argmax.Length, shape.OutputSize, nameof(argmax), "N*C");
        PoolChecks.Length(dInput.Length, shape.InputSize, nameof(dInput), "N*C*P");
        dInput.Clear();
        for (int i = 0; i < shape.OutputSize; i++)
        {
            if ((uint)argmax[i] >= (uint)shape.Positions)
                throw new ArgumentException($"argmax[{i}] is {argmax[i]}; expected an index in 0..{shape.Positions - 1}, as ForwardMaps writes.", nameof(argmax));
            dInput[i * shape.Positions + argmax[i]] = dOutput[i];
        }
    }

    /// <summary>
    /// output (N, C) := the maximum over the first lengths[n] steps of channels-last sequences input (N, T, C); lengths (N)
    /// or empty for all T. argmax (N, C) records the winning step, the first on ties; a sequence of length 0 pools to
    /// zeros with argmax -1. Overwrites both.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or a length is outside 0..T.</exception>
    public static unsafe void ForwardSequences(in GlobalPoolShape shape, ReadOnlySpan<float> input, ReadOnlySpan<int> lengths,
        Span<float> output, Span<int> argmax)
    {
        shape.Validate();
        PoolChecks.Length(input.Length, shape.InputSize, nameof(input), "N*T*C");
        PoolChecks.Length(output.Length, shape.OutputSize, nameof(output), "N*C");
        PoolChecks.Length(argmax.Length, shape.OutputSize, nameof(argmax), "N*C");
        shape.ValidateLengths(lengths);
        int c = shape.Channels;
        fixed (float* pIn = input, pOut = output)
        fixed (int* pArg = argmax)
        {
            for (int n = 0; n < shape.Batch; n++)
            {
                int length = shape.Length(lengths, n);
                float* rows = pIn + (long)n * shape.Positions * c, y = pOut + (long)n * c;
                int* at = pArg + (long)n * c;
                if (length == 0)
                {
                    new Span<float>(y, c).Clear();
                    new Span<int>(at, c).Fill(-1);
                    continue;
                }
                switch (PoolRows.Width)
                {
                    case VectorWidth.Bits512: PoolRows.Max<Simd512, Vector512<float>>(rows, c, length, c, y, at, 0); break;
                    case VectorWidth.Bits256: PoolRows.Max<Simd256, Vector256<float>>(rows, c, length, c, y, at, 0); break;
                    case VectorWidth.Bits128: PoolRows.Max<Simd128, Vector128<float>>(rows, c, length, c, y, at, 0); break;
                    default: PoolRows.Max<SimdScalar, float>(rows, c, length, c, y, at, 0); break;
                }
            }
        }
    }

    /// <summary>dInput (N, T, C) := dOutput (N, C) at each channel's winning step, zero elsewhere (argmax -1 routes nothing). Overwrites dInput.</summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or argmax holds a step outside -1..T-1.</exception>
    public static void BackwardSequences(in GlobalPoolShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput)
    {
        shape.Validate();
        PoolChecks.Length(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*C");
        PoolChecks.Length(argmax.Length, shape.OutputSize, nameof(argmax), "N*C");
        PoolChecks.Length(dInput.Length, shape.InputSize, nameof(dInput), "N*T*C");
        int c = shape.Channels;
        dInput.Clear();
        for (int i = 0; i < shape.OutputSize; i++)
        {
            int step = argmax[i];
            if (step == -1)
                continue;
            if ((uint)step >= (uint)shape.Positions)
                throw new ArgumentException($"argmax[{i}] is {step}; expected a step in -1..{shape.Positions - 1}, as ForwardSequences writes.", nameof(argmax));
            dInput[(i / c * shape.Positions + step) * c + i % c] = dOutput[i];
        }
    }
}

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Max pooling over NCHW batches.</summary>
public static class MaxPool2d
{
    /// <summary>output (N,C,OH,OW) := window maxima of input (N,C,H,W); argmax records each winner's index within its (H*W) plane.</summary>
    public static void Forward(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
        {
        if (input.Length != shape.InputSize)
            throw new ArgumentException($"input has {input.Length} elements; expected {shape.InputSize}.", nameof(input));
        if (output.Length != shape.OutputSize || argmax.Length != shape.OutputSize)
            throw new ArgumentException($"output and argmax must have {shape.OutputSize} elements; they have {output.Length} and {argmax.Length}.");
        if (shape.WindowHeight == 2 && shape.WindowWidth == 2 && shape.StrideHeight == 2 && shape.StrideWidth == 2
            && shape.PadHeight == 0 && shape.PadWidth == 0)
        {
            Forward2x2(shape, input, output, argmax);
            return;
        }
        int oh = shape.OutHeight, ow = shape.OutWidth, plane = shape.Height * shape.Width;
        for (int p = 0; p < shape.Batch * shape.Channels; p++)
        {
            ReadOnlySpan<float> image = input.Slice(p * plane, plane);
            for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                float best = float.NegativeInfinity;
                int at = -1;
                for (int wy = 0; wy < shape.WindowHeight; wy++)
                {
                    int iy = y * shape.StrideHeight - shape.PadHeight + wy;
                    if ((uint)iy >= (uint)shape.Height)
                        continue;
                    for (int wx = 0; wx < shape.WindowWidth; wx++)
                    {
                        int ix = x * shape.StrideWidth - shape.PadWidth + wx;
                        if ((uint)ix < (uint)shape.Width && (at < 0 || image[iy * shape.Width + ix] > best))
                        {
                            best = image[iy * shape.Width + ix];
                            at = iy * shape.Width + ix;
                        }
                    }
                }
                output[(p * oh + y) * ow + x] = best;
                argmax[(p * oh + y) * ow + x] = at;
            }
        }
    }

    /// <summary>The common 2x2, stride-2 window without padding: four compares per output, no bounds checks.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Forward2x2(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
    {
        int oh = shape.OutHeight, ow = shape.OutWidth, w = shape.Width, plane = shape.Height * w, planes = shape.Batch * shape.Channels;
        fixed (float* pIn = input, pOut = output)
        fixed (int* pArg = argmax)
        {
            for (int p = 0; p < planes; p++)
            {
                float* image = pIn + (long)p * plane;
                float* o = pOut + (long)p * oh * ow;
                int* arg = pArg + (long)p * oh * ow;
                for (int y = 0; y < oh; y++)
                {
                    int rowStart = 2 * y * w;
                    float* top = image + rowStart, bottom = top + w;
                    for (int x = 0; x < ow; x++)
                    {
                        // Branch-free: winners come from sign bits and MathF.Max, because data-dependent branches
                        // mispredict about half the time here and cost more than the compares.
                        int i = 2 * x;
                        float a = top[i], b = top[i + 1], c = bottom[i], d = bottom[i + 1];
                        int takeB = SignBit(a - b), takeD = SignBit(c - d);
                        float upper = MathF.Max(a, b), lower = MathF.Max(c, d);
                        int upperAt = rowStart + i + takeB, lowerAt = rowStart + w + i + takeD;
                        int takeLower = SignBit(upper - lower);
                        o[y * ow + x] = MathF.Max(upper, lower);
                        arg[y * ow + x] = upperAt + takeLower * (lowerAt - upperAt);
                    }
                }
            }
        }
    }

    /// <summary>1 when <paramref name="difference"/> is negative (the second operand won), else 0; ties keep the first.</summary>
    private static int SignBit(float difference) => (int)((uint)BitConverter.SingleToInt32Bits(difference) >> 31);

    /// <summary>dInput (N,C,H,W) := dOutput routed to each window's winner. Overwrites dInput.</summary>
    public static void Backward(in Pool2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput)
        {
        int outPlane = shape.OutHeight * shape.OutWidth, plane = shape.Height * shape.Width;
        dInput.Clear();
        for (int p = 0; p < shape.Batch * shape.Channels; p++)
        {
            for (int i = 0; i < outPlane; i++)
                dInput[p * plane + argmax[p * outPlane + i]] += dOutput[p * outPlane + i];
        }
    }
}

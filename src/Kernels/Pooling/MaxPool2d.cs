namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Max pooling over NCHW batches.</summary>
public static class MaxPool2d
{
    /// <summary>Whether <paramref name="shape"/> is the 2x2, stride-2, unpadded window that batch norm can pool as it stores (<see cref="Layers.BatchNorm.AffineMaxPool2x2"/>).</summary>
    public static bool IsTwoByTwo(in Pool2dShape shape) => MaxPool2x2.Applies(shape);

    /// <summary>output (N,C,OH,OW) := window maxima of input (N,C,H,W); argmax records each winner's index within its (H*W) plane.</summary>
    public static void Forward(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
    {
        if (input.Length != shape.InputSize)
            throw new ArgumentException($"input has {input.Length} elements; expected {shape.InputSize}.", nameof(input));
        if (output.Length != shape.OutputSize || argmax.Length != shape.OutputSize)
            throw new ArgumentException($"output and argmax must have {shape.OutputSize} elements; they have {output.Length} and {argmax.Length}.");
        if (MaxPool2x2.Applies(shape))
        {
            MaxPool2x2.Forward(shape, input, output, argmax);
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

    /// <summary>
    /// dInput (N,C,H,W) := dOutput routed to each window's winner. Overwrites dInput. When <paramref name="rectifiedOutput"/>
    /// (the forward's output) is given, windows whose maximum is not positive pass no gradient: the backward of a ReLU
    /// before the pool, done in the same pass (the winner of such a window is a rectified zero, every other input gets none).
    /// </summary>
    public static void Backward(in Pool2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput,
        ReadOnlySpan<float> rectifiedOutput = default)
    {
        if (dOutput.Length != shape.OutputSize || argmax.Length != shape.OutputSize || dInput.Length != shape.InputSize)
            throw new ArgumentException($"dOutput and argmax must have {shape.OutputSize} elements and dInput {shape.InputSize}; they have {dOutput.Length}, {argmax.Length} and {dInput.Length}.");
        if (!rectifiedOutput.IsEmpty && rectifiedOutput.Length != shape.OutputSize)
            throw new ArgumentException($"rectifiedOutput has {rectifiedOutput.Length} elements; expected {shape.OutputSize} (or none).", nameof(rectifiedOutput));
        if (MaxPool2x2.Applies(shape))
        {
            MaxPool2x2.Backward(shape, dOutput, argmax, dInput, rectifiedOutput);
            return;
        }
        int outPlane = shape.OutHeight * shape.OutWidth, plane = shape.Height * shape.Width;
        bool gated = !rectifiedOutput.IsEmpty;
        dInput.Clear();
        for (int p = 0; p < shape.Batch * shape.Channels; p++)
        {
            for (int i = 0; i < outPlane; i++)
            {
                int at = p * outPlane + i;
                if (!gated || rectifiedOutput[at] > 0f)
                    dInput[p * plane + argmax[at]] += dOutput[at];
            }
        }
    }
}

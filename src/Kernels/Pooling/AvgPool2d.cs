namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Average pooling over NCHW batches; the divisor counts only cells inside the input.</summary>
public static class AvgPool2d
{
    /// <summary>output (N,C,OH,OW) := window means of input (N,C,H,W).</summary>
    public static void Forward(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output)
        {
        int oh = shape.OutHeight, ow = shape.OutWidth, plane = shape.Height * shape.Width;
        for (int p = 0; p < shape.Batch * shape.Channels; p++)
        {
            ReadOnlySpan<float> image = input.Slice(p * plane, plane);
            for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                float sum = 0;
                int count = 0;
                for (int wy = 0; wy < shape.WindowHeight; wy++)
                {
                    int iy = y * shape.StrideHeight - shape.PadHeight + wy;
                    if ((uint)iy >= (uint)shape.Height)
                        continue;
                    for (int wx = 0; wx < shape.WindowWidth; wx++)
                    {
                        int ix = x * shape.StrideWidth - shape.PadWidth + wx;
                        if ((uint)ix < (uint)shape.Width)
                        {
                            sum += image[iy * shape.Width + ix];
                            count++;
                        }
                    }
                }
                output[(p * oh + y) * ow + x] = count > 0 ? sum / count : 0f;
            }
        }
    }

    /// <summary>dInput (N,C,H,W) := dOutput spread evenly over each window. Overwrites dInput.</summary>
    public static void Backward(in Pool2dShape shape, ReadOnlySpan<float> dOutput, Span<float> dInput)
        {
        int oh = shape.OutHeight, ow = shape.OutWidth, plane = shape.Height * shape.Width;
        dInput.Clear();
        for (int p = 0; p < shape.Batch * shape.Channels; p++)
        {
            for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                int y0 = Math.Max(0, y * shape.StrideHeight - shape.PadHeight), y1 = Math.Min(shape.Height, y * shape.StrideHeight - shape.PadHeight + shape.WindowHeight);
                int x0 = Math.Max(0, x * shape.StrideWidth - shape.PadWidth), x1 = Math.Min(shape.Width, x * shape.StrideWidth - shape.PadWidth + shape.WindowWidth);
                int count = (y1 - y0) * (x1 - x0);
                if (count <= 0)
                    continue;
                float g = dOutput[(p * oh + y) * ow + x] / count;
                for (int iy = y0; iy < y1; iy++)
                for (int ix = x0; ix < x1; ix++)
                    dInput[p * plane + iy * shape.Width + ix] += g;
            }
        }
    }
}

using MLNet.Extensions.Kernels.Pooling;

namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>Pooling in double with plain loops: the oracle for the 1-D and global pooling kernels.</summary>
internal static class ReferencePooling
{
    /// <summary>Window maxima (or means over the real steps) of channels-last x (N, T, C), and each max's first winning step.</summary>
    public static (double[] Output, int[] Argmax) Pool1d(Pool1dShape s, double[] x, bool max)
    {
        var y = new double[s.OutputSize];
        var argmax = new int[s.OutputSize];
        for (int n = 0; n < s.Batch; n++)
        for (int t = 0; t < s.OutputSteps; t++)
        for (int c = 0; c < s.Channels; c++)
        {
            double best = double.NegativeInfinity, sum = 0;
            int count = 0, at = -1;
            for (int j = 0; j < s.Size; j++)
            {
                int p = t * s.Stride - s.Padding + j;
                if (p < 0 || p >= s.Steps)
                    continue;
                double v = x[(n * s.Steps + p) * s.Channels + c];
                if (at < 0 || v > best)
                {
                    best = v;
                    at = p;
                }
                sum += v;
                count++;
            }
            int i = (n * s.OutputSteps + t) * s.Channels + c;
            y[i] = max ? best : sum / count;
            argmax[i] = at;
        }
        return (y, argmax);
    }

    /// <summary>Maximum (or mean) of each plane of channels-first maps x (N, C, P), and the first index of each maximum.</summary>
    public static (double[] Output, int[] Argmax) Maps(GlobalPoolShape s, double[] x, bool max)
    {
        var y = new double[s.OutputSize];
        var argmax = new int[s.OutputSize];
        for (int i = 0; i < s.OutputSize; i++)
        {
            double best = x[i * s.Positions], sum = 0;
            for (int p = 0; p < s.Positions; p++)
            {
                double v = x[i * s.Positions + p];
                sum += v;
                if (v > best)
                {
                    best = v;
                    argmax[i] = p;
                }
            }
            y[i] = max ? best : sum / s.Positions;
        }
        return (y, argmax);
    }

    /// <summary>Maximum (or mean) over the first lengths[n] steps of channels-last x (N, T, C); zeros and -1 for empty sequences.</summary>
    public static (double[] Output, int[] Argmax) Sequences(GlobalPoolShape s, double[] x, int[]? lengths, bool max)
    {
        var y = new double[s.OutputSize];
        var argmax = new int[s.OutputSize];
        for (int n = 0; n < s.Batch; n++)
        for (int c = 0; c < s.Channels; c++)
        {
            int length = lengths?[n] ?? s.Positions, at = -1;
            double best = 0, sum = 0;
            for (int t = 0; t < length; t++)
            {
                double v = x[(n * s.Positions + t) * s.Channels + c];
                sum += v;
                if (at < 0 || v > best)
                {
                    best = v;
                    at = t;
                }
            }
            y[n * s.Channels + c] = max ? best : length == 0 ? 0 : sum / length;
            argmax[n * s.Channels + c] = at;
        }
        return (y, argmax);
    }
}

using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Tests.Lstm;

/// <summary>
/// Synthetic sequence tasks an LSTM must solve by remembering across steps: the class is which of three pulse
/// positions (early, middle, late) carries the largest value; the flag is whether the sum is positive; the target is the mean.
/// </summary>
public static class Sequences
{
    /// <summary><paramref name="count"/> rows of 2 features per step; lengths vary in [minSteps, maxSteps].</summary>
    public static SequenceRow[] Make(int count, int minSteps, int maxSteps, ulong seed)
    {
        var random = new KernelRandom(seed);
        var rows = new SequenceRow[count];
        for (int r = 0; r < count; r++)
        {
            int steps = minSteps + random.NextInt32(maxSteps - minSteps + 1);
            var values = new float[steps * 2];
            for (int i = 0; i < values.Length; i++)
                values[i] = (random.NextSingle() - 0.5f) * 0.2f;
            uint cls = (uint)random.NextInt32(3);
            int position = cls switch { 0 => 0, 1 => steps / 2, _ => steps - 1 };
            values[position * 2] = 1f;
            float sum = 0;
            for (int s = 0; s < steps; s++)
                sum += values[s * 2 + 1];
            rows[r] = new SequenceRow { Values = values, Class = cls, Flag = sum > 0, Target = sum / steps * 10 };
        }
        return rows;
    }
}

using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Cnn;

/// <summary>
/// Data augmentation: shifts every training image by a random whole number of pixels in [-max, max] on each axis,
/// filling uncovered pixels with zeros, so the network learns position invariance from few samples.
/// </summary>
internal sealed class RandomShift
{
    private readonly TensorShape _shape;
    private readonly int _maxShift;
    private readonly float[] _plane;
    private KernelRandom _random;

    public RandomShift(TensorShape shape, int maxShift, ulong seed)
    {
        _shape = shape;
        _maxShift = maxShift;
        _plane = new float[shape.Height * shape.Width];
        _random = new KernelRandom(seed);
    }

    /// <summary>Shifts each sample of <paramref name="batch"/> in place.</summary>
    public void Apply(TrainingBatch batch)
    {
        int h = _shape.Height, w = _shape.Width, plane = h * w;
        for (int n = 0; n < batch.Count; n++)
        {
            int dy = _random.NextInt32(2 * _maxShift + 1) - _maxShift;
            int dx = _random.NextInt32(2 * _maxShift + 1) - _maxShift;
            if (dx == 0 && dy == 0)
                continue;
            for (int c = 0; c < _shape.Channels; c++)
            {
                Span<float> image = batch.Features.AsSpan(n * batch.FeatureSize + c * plane, plane);
                image.CopyTo(_plane);
                image.Clear();
                for (int y = Math.Max(0, dy); y < Math.Min(h, h + dy); y++)
                {
                    int sourceRow = y - dy;
                    int x0 = Math.Max(0, dx), x1 = Math.Min(w, w + dx);
                    _plane.AsSpan(sourceRow * w + x0 - dx, x1 - x0).CopyTo(image.Slice(y * w + x0, x1 - x0));
                }
            }
        }
    }
}

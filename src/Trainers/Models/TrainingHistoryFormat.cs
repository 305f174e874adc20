using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Saved training history: int32 count; per epoch: int32 epoch, int32 epochs, float64 lr, float64 train loss,
/// bool + float64 validation loss, bool + float64 validation metric, string metric name. Files written before the
/// checksummed format also hold float64 samples/s and int64 elapsed ticks per epoch; those timings are no longer saved,
/// so one model always saves to the same bytes (a loaded history reports 0 for them).
/// </summary>
internal static class TrainingHistoryFormat
{
    // Smallest record: two int32, four float64, two flags and a one-byte string length.
    private const int MinimumRecordBytes = 4 + 4 + 8 + 8 + 9 + 9 + 1;

    /// <summary>Writes <paramref name="history"/> without timings.</summary>
    public static void Write(BinaryWriter writer, IReadOnlyList<TrainingProgress> history)
    {
        writer.Write(history.Count);
        foreach (TrainingProgress p in history)
        {
            writer.Write(p.Epoch);
            writer.Write(p.Epochs);
            writer.Write(p.LearningRate);
            writer.Write(p.TrainLoss);
            WriteOptional(writer, p.ValidationLoss);
            WriteOptional(writer, p.ValidationMetric);
            writer.Write(p.MetricName);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote, or with <paramref name="withTimings"/> the older form with timings.</summary>
    public static TrainingProgress[] Read(BinaryReader reader, bool withTimings = false)
    {
        int epochs = reader.ReadInt32();
        int recordBytes = MinimumRecordBytes + (withTimings ? 16 : 0);
        Stream stream = reader.BaseStream;
        if (epochs is < 0 or > 1_000_000 || (stream.CanSeek && (long)epochs * recordBytes > stream.Length - stream.Position))
            throw new InvalidDataException($"Training history length {epochs} is invalid or longer than the saved data.");
        var history = new TrainingProgress[epochs];
        for (int i = 0; i < epochs; i++)
        {
            history[i] = new TrainingProgress(reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(),
                ReadOptional(reader), ReadOptional(reader), reader.ReadString(),
                withTimings ? reader.ReadDouble() : 0, withTimings ? new TimeSpan(reader.ReadInt64()) : TimeSpan.Zero);
        }
        return history;
    }

    private static void WriteOptional(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        writer.Write(value ?? 0);
    }

    private static double? ReadOptional(BinaryReader reader)
    {
        bool has = NetworkFormat.ReadFlag(reader);
        double value = reader.ReadDouble();
        return has ? value : null;
    }
}

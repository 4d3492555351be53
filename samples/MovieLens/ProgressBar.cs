using Microsoft.ML.GenerativeRec;

namespace GenerativeRec.Samples;

/// <summary>
/// Shows training progress: a bar redrawn in place on a terminal (epoch, step, loss, last validation NDCG@10, ETA), or
/// one line per epoch when the output is redirected to a file or a CI log.
/// </summary>
/// <remarks>Reports arrive synchronously on the training thread, so the bar never shows an older state after a newer one.</remarks>
internal sealed class ProgressBar : IProgress<TrainingProgress>
{
    private const int Width = 24;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _label;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private DateTime _lastDraw = DateTime.MinValue;
    private double? _validationNdcg;

    public ProgressBar(string label)
    {
        _label = label;
    }

    public void Report(TrainingProgress value)
    {
        if (value.IsEpochEnd)
            _validationNdcg = value.ValidationNdcgAt10 ?? _validationNdcg;
        if (!_interactive)
        {
            if (value.IsEpochEnd)
                Console.WriteLine($"  {_label} {Describe(value)}");
            return;
        }

        if (!value.IsEpochEnd && DateTime.UtcNow - _lastDraw < RedrawInterval)
            return;
        _lastDraw = DateTime.UtcNow;
        double done = (value.Epoch - 1 + (double)value.Step / value.StepsPerEpoch) / value.NumberOfEpochs;
        int filled = (int)Math.Round(done * Width);
        string line = $"  {_label} [{new string('#', filled)}{new string('-', Width - filled)}] {Describe(value)}";
        int room = Math.Max(WindowWidth() - 1, 40);
        Console.Write("\r" + (line.Length > room ? line[..room] : line.PadRight(room)));
    }

    /// <summary>Ends the bar's line (call after training).</summary>
    public void Finish()
    {
        if (_interactive)
            Console.WriteLine();
    }

    private static int WindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 100;                  // no console window (e.g. a pseudo-terminal without a size)
        }
    }

    private string Describe(TrainingProgress p)
    {
        string validation = _validationNdcg is { } ndcg ? $", val NDCG@10 {ndcg:F4}" : "";
        string eta = p.EstimatedRemaining is { } remaining ? $", ETA {remaining:hh\\:mm\\:ss}" : "";
        return $"epoch {p.Epoch}/{p.NumberOfEpochs}, step {p.Step}/{p.StepsPerEpoch}, loss {p.Loss:F3}{validation}{eta}";
    }
}

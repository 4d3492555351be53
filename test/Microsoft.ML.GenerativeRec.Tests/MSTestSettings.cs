// TorchSharp's seed and thread count are process-wide, so tests never run in parallel.
[assembly: DoNotParallelize]

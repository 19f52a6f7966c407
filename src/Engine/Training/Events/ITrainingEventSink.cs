namespace NanoVlm.Engine.Training.Events;

/// <summary>Where a run publishes its events.</summary>
public interface ITrainingEventSink
{
    void Publish(TrainingEvent trainingEvent);
}

"""CloudWatch Logs as AgentCore fills it: the runtimes' log groups and ``aws/spans``.

``feed`` writes what the agents print and the spans they send; ``responses`` serves the
reads the real ``agentcore`` CLI makes (``logs``, ``traces``) with CloudWatch's filter
patterns (``filter_pattern``) and Logs Insights (``insights``, its terms in
``insights_terms``).
"""

# Password policy
error-password-common = This password is one of the most common passwords. Please choose another.
